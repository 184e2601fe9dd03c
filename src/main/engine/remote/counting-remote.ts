// Counts what a sync costs on any Remote: requests and payload bytes each way.
//
// Design: the wrapper counts one request per get/put/delete call, and for a list
// it counts through `ListOptions.onRequest`, which every adapter calls once per
// request it really sends (one per S3 page). So a LIST of 3 pages counts 3
// requests without the port having to expose pages, and any adapter can be
// counted after the fact: countUsage(createS3Remote(...)).
//
// Bytes are object bodies only (what the person's data costs), not HTTP headers
// or LIST XML. A request is counted when it is sent, so failed ones count too.

import type { FileGetResult, GetResult, ListOptions, PutResult, Remote, RemoteObject, RemoteUsage } from './remote';

export interface CountedRemote {
  remote: Remote;
  /** Live counters, updated as requests are sent. */
  usage: RemoteUsage;
  /** Zeroes the counters (e.g. at the start of each sync). */
  reset(): void;
}

export function countUsage(inner: Remote): CountedRemote {
  const usage: RemoteUsage = { requests: 0, bytesUp: 0, bytesDown: 0 };

  const remote: Remote = {
    url: inner.url,

    list(prefix: string, options: ListOptions = {}): Promise<RemoteObject[]> {
      return inner.list(prefix, {
        ...options,
        onRequest: () => {
          usage.requests += 1;
          options.onRequest?.();
        },
      });
    },

    async get(key: string, options?: { ifNoneMatch?: string }): Promise<GetResult> {
      usage.requests += 1;
      const result = await inner.get(key, options);
      if (result.status === 'ok') usage.bytesDown += result.body.length;
      return result;
    },

    ...(inner.getToFile && {
      async getToFile(key: string, path: string): Promise<FileGetResult> {
        usage.requests += 1;
        const result = await inner.getToFile!(key, path);
        if (result.status === 'ok') usage.bytesDown += result.bytes;
        return result;
      },
    }),

    putIfAbsent(key: string, body: Uint8Array): Promise<PutResult> {
      usage.requests += 1;
      usage.bytesUp += body.length;
      return inner.putIfAbsent(key, body);
    },

    putIfMatch(key: string, body: Uint8Array, etag: string): Promise<PutResult> {
      usage.requests += 1;
      usage.bytesUp += body.length;
      return inner.putIfMatch(key, body, etag);
    },

    delete(key: string): Promise<void> {
      usage.requests += 1;
      return inner.delete(key);
    },
  };

  return {
    remote,
    usage,
    reset() {
      usage.requests = 0;
      usage.bytesUp = 0;
      usage.bytesDown = 0;
    },
  };
}
