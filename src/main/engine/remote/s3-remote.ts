// The S3 remote: the Remote port over any S3-compatible bucket. Conditional
// writes (If-None-Match: *, If-Match) do the create-only and compare-and-swap
// the protocol needs; every SDK call is wrapped here once and its failures are
// mapped to TidemarkErrors a person can act on.

import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TidemarkError } from '../../../shared/errors';
import {
  assertValidKey,
  compareKeys,
  type FileGetResult,
  type GetResult,
  type ListOptions,
  type PutResult,
  type Remote,
  type RemoteObject,
} from './remote';

export interface S3RemoteOptions {
  bucket: string;
  /** Root under the bucket, without leading or trailing '/' ('' for the whole bucket). */
  prefix: string;
  /** For S3-compatible services; AWS itself when absent. */
  endpoint?: string;
  region: string;
  /** Path-style URLs (bucket in the path), which most S3-compatible servers need. */
  forcePathStyle: boolean;
  /** Without them, the SDK's default chain (environment, ~/.aws) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Keys per LIST page (S3's maximum, 1000, by default); small values for tests. */
  pageSize?: number;
  /** SDK attempts per request; the engine retries whole syncs itself (default 2). */
  maxAttempts?: number;
  /** Time to open a connection (default 5 s). */
  connectionTimeoutMs?: number;
  /** Longest silence on an open connection (default 30 s). */
  socketTimeoutMs?: number;
}

export interface S3Remote extends Remote {
  /** Closes the client's pooled connections. */
  close(): void;
}

export function createS3Remote(options: S3RemoteOptions): S3Remote {
  // The SDK warns on Node < 22 about its releases from 2027, which we do not take
  // (it is pinned): in the CLI that warning would only confuse.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const root = options.prefix.replace(/^\/+|\/+$/g, '');
  const rootKey = root === '' ? '' : `${root}/`;
  // Only names, never credentials: this string ends up in messages and logs.
  const url = root === '' ? `s3://${options.bucket}` : `s3://${options.bucket}/${root}`;
  const where = options.endpoint ?? `s3.${options.region}.amazonaws.com`;
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 2,
    // A plain options object: the SDK builds its NodeHttpHandler from it. No
    // whole-request timeout, which would cut off a slow upload of a large batch.
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
    },
    // Checksums only where S3 requires them: many S3-compatible services reject
    // the SDK's newer default (CRC32 headers, aws-chunked trailers).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = options.bucket;

  async function guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toS3Error(error, url, where);
    }
  }

  return {
    url,

    close() {
      client.destroy();
    },

    list(prefix: string, listOptions: ListOptions = {}): Promise<RemoteObject[]> {
      return guard(async () => {
        const out: RemoteObject[] = [];
        let ContinuationToken: string | undefined;
        do {
          listOptions.onRequest?.();
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket,
              Prefix: rootKey + prefix,
              // S3 ignores StartAfter once a continuation token is given.
              StartAfter:
                ContinuationToken === undefined && listOptions.startAfter !== undefined
                  ? rootKey + listOptions.startAfter
                  : undefined,
              ContinuationToken,
              MaxKeys: options.pageSize,
            }),
          );
          for (const object of page.Contents ?? []) {
            if (object.Key === undefined || !object.Key.startsWith(rootKey)) continue;
            out.push({ key: object.Key.slice(rootKey.length), etag: object.ETag ?? '', size: object.Size ?? 0 });
          }
          ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (ContinuationToken !== undefined);
        // S3 lists in key order; not every S3-compatible server does.
        return out.sort((a, b) => compareKeys(a.key, b.key));
      });
    },

    async get(key: string, getOptions: { ifNoneMatch?: string } = {}): Promise<GetResult> {
      assertValidKey(key);
      return guard(async (): Promise<GetResult> => {
        try {
          const result = await client.send(
            new GetObjectCommand({ Bucket, Key: rootKey + key, IfNoneMatch: getOptions.ifNoneMatch }),
          );
          const body = (await result.Body?.transformToByteArray()) ?? new Uint8Array();
          return { status: 'ok', body, etag: result.ETag ?? '' };
        } catch (error) {
          if (statusOf(error) === 304) return { status: 'not-modified' };
          if (nameOf(error) === 'NoSuchKey') return { status: 'missing' };
          throw error;
        }
      });
    },

    async getToFile(key: string, path: string): Promise<FileGetResult> {
      assertValidKey(key);
      return guard(async (): Promise<FileGetResult> => {
        try {
          const result = await client.send(new GetObjectCommand({ Bucket, Key: rootKey + key }));
          const out = createWriteStream(path);
          // In Node the SDK's body is the response stream itself.
          await pipeline((result.Body as Readable | undefined) ?? Readable.from([]), out);
          return { status: 'ok', bytes: out.bytesWritten, etag: result.ETag ?? '' };
        } catch (error) {
          if (nameOf(error) === 'NoSuchKey') return { status: 'missing' };
          throw error;
        }
      });
    },

    async putIfAbsent(key: string, body: Uint8Array): Promise<PutResult> {
      assertValidKey(key);
      return guard(() => put({ Key: rootKey + key, Body: body, IfNoneMatch: '*' }));
    },

    async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<PutResult> {
      assertValidKey(key);
      return guard(() => put({ Key: rootKey + key, Body: body, IfMatch: etag }));
    },

    async delete(key: string): Promise<void> {
      assertValidKey(key);
      await guard(() => client.send(new DeleteObjectCommand({ Bucket, Key: rootKey + key })));
    },
  };

  async function put(input: { Key: string; Body: Uint8Array; IfNoneMatch?: string; IfMatch?: string }) {
    try {
      const result = await client.send(
        new PutObjectCommand({ Bucket, ContentType: 'application/octet-stream', ...input }),
      );
      return { status: 'ok', etag: result.ETag ?? '' } as const;
    } catch (error) {
      // 412: the condition failed. 409: S3's answer to a conditional write racing
      // another one. 404 NoSuchKey: If-Match on a key that is gone.
      const status = statusOf(error);
      if (status === 412 || status === 409 || nameOf(error) === 'NoSuchKey') return { status: 'conflict' } as const;
      throw error;
    }
  }
}

function nameOf(error: unknown): string | undefined {
  const e = error as { name?: string; Code?: string; code?: string } | undefined;
  return e?.Code ?? e?.name;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const AUTH_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
  'CredentialsProviderError',
]);

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
]);

/** Maps an SDK or network failure to a TidemarkError naming the remote and a next step. */
export function toS3Error(error: unknown, remote: string, where: string): TidemarkError {
  if (error instanceof TidemarkError) return error;
  const name = nameOf(error) ?? '';
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const status = statusOf(error);
  if (AUTH_ERRORS.has(name) || status === 403 || status === 401) {
    return new TidemarkError({
      kind: 'remote-auth',
      remote,
      hint: 'Check the access key id and secret (tidemark credentials <db>) and that they may use this bucket',
    });
  }
  if (name === 'NoSuchBucket') {
    return new TidemarkError({
      kind: 'remote-not-found',
      remote,
      hint: `Check the bucket name, region and endpoint (${where}), or create the bucket`,
    });
  }
  if (NETWORK_ERRORS.has(name) || NETWORK_ERRORS.has(code)) {
    return new TidemarkError({
      kind: 'remote-unreachable',
      remote,
      hint: `Check the network connection and the endpoint ${where}`,
    });
  }
  const message = error instanceof Error ? error.message || name : String(error);
  return new TidemarkError({
    kind: 'remote-io',
    remote,
    message: status === undefined ? message : `${message} (HTTP ${status})`,
    hint:
      status !== undefined && status >= 500
        ? 'The storage service had a problem; try again in a moment'
        : `Check the remote's settings (endpoint ${where}, region, path-style) and try again`,
  });
}
