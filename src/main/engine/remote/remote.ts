// The Remote port: the few storage operations the sync protocol needs
// (DESIGN.md section 3). Adapters translate them for S3, a folder, or memory.
// Keys are '/'-separated paths under the remote's root, e.g. 'replicas/<id>.json'.

import { TidemarkError } from '../../../shared/errors';

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

export type FileGetResult = { status: 'ok'; bytes: number; etag: string } | { status: 'missing' };

export interface ListOptions {
  /** Only keys strictly greater than this one (S3 StartAfter). */
  startAfter?: string;
  /**
   * Called once per request the listing costs: one per page for S3 (and for the
   * memory remote, which mimics S3's pages), once for a folder. So a wrapper can
   * count what a LIST really costs without the port exposing pages; see
   * counting-remote.ts.
   */
  onRequest?: () => void;
}

export interface Remote {
  /** Where the remote points, for messages: never contains a secret. */
  readonly url: string;
  /** Every object whose key starts with `prefix`, in key order (all pages). */
  list(prefix: string, options?: ListOptions): Promise<RemoteObject[]>;
  /** Reads an object; with `ifNoneMatch`, an unchanged object costs no body. */
  get(key: string, options?: { ifNoneMatch?: string }): Promise<GetResult>;
  /**
   * Writes an object's body into the file at `path` (created or emptied) as it
   * arrives, never holding it in memory: how a pull downloads batches. A
   * remote without it is read with get().
   */
  getToFile?(key: string, path: string): Promise<FileGetResult>;
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

/** Key order of S3 (UTF-8 bytes, i.e. code points), without allocating. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * Names a folder remote never lists because someone else owns them: our own temp
 * and lock files, hidden files, and the temp/conflict copies of sync tools
 * (Dropbox "conflicted copy", Syncthing ".sync-conflict-", Resilio ".!sync", "~").
 */
export function isForeignName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('~') ||
    name.endsWith('~') ||
    name.endsWith('.tmp') ||
    name.endsWith('.!sync') ||
    name.includes('.sync-conflict-') ||
    name.includes('conflicted copy') ||
    name.includes('Case Conflict')
  );
}

/**
 * Why a key is not a valid remote key, or undefined when it is. One rule for every
 * adapter, so whatever one adapter stores, all of them store and list.
 */
export function invalidKeyReason(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (key.includes('\\') || key.includes('\0')) return 'contains a backslash or NUL';
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty path segment';
    if (isForeignName(segment)) return `has a segment ("${segment}") that folders ignore`;
  }
  return undefined;
}

/** Throws when an adapter is handed a key it must refuse (a bug, not a remote fault). */
export function assertValidKey(key: string): void {
  const reason = invalidKeyReason(key);
  if (reason === undefined) return;
  throw new TidemarkError({
    kind: 'invalid-input',
    field: 'remote key',
    message: `"${key}" ${reason}`,
    hint: 'This is a bug in Tidemark; please report it with this message',
  });
}
