// An in-memory Remote for tests and benchmarks. It keeps S3's observable rules:
// key order, create-only and compare-and-swap writes, and paged listing (so the
// request counts of a sync match what S3 would charge).

import {
  assertValidKey,
  compareKeys,
  type GetResult,
  type ListOptions,
  type PutResult,
  type Remote,
  type RemoteObject,
} from './remote';

export interface MemoryRemoteOptions {
  /** Keys per LIST request, as S3's 1000. */
  pageSize?: number;
}

export interface MemoryRemote extends Remote {
  /** Number of stored objects, for assertions. */
  readonly size: number;
}

interface StoredObject {
  body: Uint8Array;
  etag: string;
}

export function createMemoryRemote(url = 'memory:', options: MemoryRemoteOptions = {}): MemoryRemote {
  const pageSize = options.pageSize ?? 1000;
  const objects = new Map<string, StoredObject>();
  // A counter, not a content hash: the engine must not assume equal bodies give
  // equal etags (the folder remote's etags do not).
  let version = 0;

  function store(key: string, body: Uint8Array): PutResult {
    version += 1;
    const etag = `"m${version}"`;
    // Copy so a caller reusing its buffer cannot change what was "uploaded".
    objects.set(key, { body: body.slice(), etag });
    return { status: 'ok', etag };
  }

  return {
    url,
    get size() {
      return objects.size;
    },

    async list(prefix: string, listOptions: ListOptions = {}): Promise<RemoteObject[]> {
      const { startAfter, onRequest } = listOptions;
      const matching: RemoteObject[] = [];
      for (const [key, object] of objects) {
        if (!key.startsWith(prefix)) continue;
        if (startAfter !== undefined && compareKeys(key, startAfter) <= 0) continue;
        matching.push({ key, etag: object.etag, size: object.body.length });
      }
      matching.sort((a, b) => compareKeys(a.key, b.key));
      // One request per page, and at least one for an empty listing.
      const pages = Math.max(1, Math.ceil(matching.length / pageSize));
      for (let page = 0; page < pages; page++) onRequest?.();
      return matching;
    },

    async get(key: string, getOptions: { ifNoneMatch?: string } = {}): Promise<GetResult> {
      assertValidKey(key);
      const object = objects.get(key);
      if (!object) return { status: 'missing' };
      if (getOptions.ifNoneMatch === object.etag) return { status: 'not-modified' };
      return { status: 'ok', body: object.body.slice(), etag: object.etag };
    },

    async putIfAbsent(key: string, body: Uint8Array): Promise<PutResult> {
      assertValidKey(key);
      if (objects.has(key)) return { status: 'conflict' };
      return store(key, body);
    },

    async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<PutResult> {
      assertValidKey(key);
      if (objects.get(key)?.etag !== etag) return { status: 'conflict' };
      return store(key, body);
    },

    async delete(key: string): Promise<void> {
      assertValidKey(key);
      objects.delete(key);
    },
  };
}
