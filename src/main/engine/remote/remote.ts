// The Remote port: the few storage operations the sync protocol needs
// (DESIGN.md section 3). Adapters translate them for S3, a folder, or memory.
// Keys are '/'-separated paths under the remote's root, e.g. 'replicas/<id>.json'.

export interface RemoteObject {
  key: string;
  /** Opaque version tag; changes whenever the object's content changes. */
  etag: string;
  size: number;
}

export type GetResult =
  | { status: 'ok'; body: Uint8Array; etag: string }
  | { status: 'not-modified' }
  | { status: 'missing' };

export type PutResult = { status: 'ok'; etag: string } | { status: 'conflict' };

export interface ListOptions {
  /** Only keys strictly greater than this one (S3 StartAfter). */
  startAfter?: string;
}

export interface Remote {
  /** Where the remote points, for messages: never contains a secret. */
  readonly url: string;
  /** Every object whose key starts with `prefix`, in key order (all pages). */
  list(prefix: string, options?: ListOptions): Promise<RemoteObject[]>;
  /** Reads an object; with `ifNoneMatch`, an unchanged object costs no body. */
  get(key: string, options?: { ifNoneMatch?: string }): Promise<GetResult>;
  /** Writes only if no object has that key (S3 `If-None-Match: *`). */
  putIfAbsent(key: string, body: Uint8Array): Promise<PutResult>;
  /** Writes only if the object's current etag is `etag` (S3 `If-Match`). */
  putIfMatch(key: string, body: Uint8Array, etag: string): Promise<PutResult>;
  /** Removes an object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
}

/** What a sync used of the remote, reported to the person. */
export interface RemoteUsage {
  requests: number;
  bytesUp: number;
  bytesDown: number;
}
