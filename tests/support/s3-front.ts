// Conditional requests in front of s3rver, which ignores them on PUT. It runs as
// the first Koa middleware of the test server (see s3-server-child.ts) and holds
// one lock per object key for the whole request, so each compare-and-swap is a
// single step as on real S3:
//   PUT  If-None-Match: *      -> 412 PreconditionFailed when the key exists
//   PUT  If-Match: <etag>      -> 412 on a stale etag, 404 NoSuchKey when the key
//                                 is missing (what AWS answers; the S3 adapter
//                                 treats both as a conflict)
//   GET/HEAD/DELETE If-Match   -> 412 on mismatch (GET If-None-Match -> 304 is s3rver's)

import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** The part of a Koa context the front uses. */
export interface FrontContext {
  method: string;
  /** The raw (percent-encoded) path: /bucket/key. */
  path: string;
  /** The raw request target: path?query. */
  url: string;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  res: ServerResponse;
}

export type Middleware = (ctx: FrontContext, next: () => Promise<void>) => Promise<void>;

export interface PreconditionFailure {
  code: 'PreconditionFailed' | 'NoSuchKey';
  condition: 'If-Match' | 'If-None-Match';
}

export interface ConditionalFrontOptions {
  /** The stored object's current ETag (quoted, as S3 sends it), or undefined if missing. */
  readEtag(bucket: string, key: string): Promise<string | undefined>;
  /** Whether the bucket exists: if not, s3rver answers NoSuchBucket, as S3 does. */
  bucketExists(bucket: string): Promise<boolean>;
  /** Builds the error the server answers with (s3rver's S3Error). */
  fail(failure: PreconditionFailure, key: string): Error;
  /**
   * The error for a request whose credentials fail, checked on every request
   * before any condition (so bad credentials get 403, not 412, as on S3).
   */
  authenticate?: (ctx: FrontContext) => Error | undefined;
}

/** A FIFO lock per key, for one process. */
export function createKeyLocks() {
  const tails = new Map<string, Promise<void>>();
  return async function acquire(key: string): Promise<() => void> {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    };
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Whether an If-Match / If-None-Match list names `etag` ('*' names any object). */
export function etagListMatches(list: string, etag: string | undefined): boolean {
  if (etag === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return list.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/** The failure a request's conditions meet against the current etag, if any. */
export function checkPreconditions(
  method: string,
  headers: IncomingHttpHeaders,
  etag: string | undefined,
): PreconditionFailure | undefined {
  const ifMatch = header(headers, 'if-match');
  const ifNoneMatch = header(headers, 'if-none-match');
  if (method === 'PUT') {
    if (ifNoneMatch?.trim() === '*' && etag !== undefined) {
      return { code: 'PreconditionFailed', condition: 'If-None-Match' };
    }
    if (ifMatch !== undefined && etag === undefined) return { code: 'NoSuchKey', condition: 'If-Match' };
  }
  if (ifMatch !== undefined && etag !== undefined && !etagListMatches(ifMatch, etag)) {
    return { code: 'PreconditionFailed', condition: 'If-Match' };
  }
  return undefined;
}

/** bucket and key of a plain object request (no ?uploads, ?tagging, ...), or undefined. */
export function objectTarget(ctx: FrontContext): { bucket: string; key: string } | undefined {
  if (Object.keys(ctx.query).some((name) => name !== 'x-id')) return undefined;
  const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
  if (!match?.[1] || !match[2]) return undefined;
  return { bucket: decodeURIComponent(match[1]), key: decodeURIComponent(match[2]) };
}

export function createConditionalFront(options: ConditionalFrontOptions): Middleware {
  const acquire = createKeyLocks();

  async function guarded(ctx: FrontContext, next: () => Promise<void>, target: { bucket: string; key: string }) {
    const release = await acquire(`${target.bucket}/${target.key}`);
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      release();
    };
    // A GET streams its body after the middleware returns: keep the key locked
    // until the response is over, so no write lands under a reader.
    ctx.res.once('close', done);
    try {
      if (await options.bucketExists(target.bucket)) {
        const failure = checkPreconditions(ctx.method, ctx.headers, await options.readEtag(target.bucket, target.key));
        if (failure) throw options.fail(failure, target.key);
      }
      await next();
    } catch (error) {
      done();
      throw error;
    }
  }

  return async (ctx, next) => {
    const refused = options.authenticate?.(ctx);
    if (refused) throw refused;
    const target = objectTarget(ctx);
    return target ? guarded(ctx, next, target) : next();
  };
}
