// The test S3 server process: s3rver 3.7.1 with our conditional-request front
// (s3-front.ts) as its first middleware. Run by s3-server.ts as
//   node --openssl-legacy-provider --import tsx s3-server-child.ts <directory> <port>
// (s3rver's ListObjectsV2 continuation tokens use DES). Prints
// "S3_SERVER_READY <url>" once it listens; exits when its parent goes away.
// S3_DEBUG=1 in the environment turns s3rver's request log back on (stdout).

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { createConditionalFront, type Middleware } from './s3-front';
import { verifySigV4 } from './s3-sigv4';

const require = createRequire(import.meta.url);

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}
interface Store {
  getResourcePath(bucket: string, key: string, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
  getBucket(bucket: string): Promise<unknown>;
}
interface StoreClass {
  prototype: Store & {
    putObject(object: StoredObject): Promise<{ md5: string; size: number }>;
    deleteObject(bucket: string, key: string): Promise<void>;
  };
}
interface S3rverApp {
  store: Store;
  logger: unknown;
  context: { logger: unknown };
  middleware: Middleware[];
  run(): Promise<{ port: number; address: string }>;
}

const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverApp;
const FilesystemStore = require('s3rver/lib/stores/filesystem') as StoreClass;
const S3Error = require('s3rver/lib/models/error') as new (
  code: string,
  message: string,
  detail?: Record<string, string>,
) => Error;

const [directory, portText] = process.argv.slice(2);
if (!directory) throw new Error('usage: s3-server-child.ts <directory> [port]');

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`; // s3rver lists only *._S3rver_object
  await writeFile(temp, data);
  await rename(temp, path);
}

async function readAll(content: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content;
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// s3rver writes objects in place and answers before the data is flushed: a GET
// right after a PUT could see half a file, and a killed server leaves one. Write
// each object to a temp file and rename it: whole or not at all, as on S3.
FilesystemStore.prototype.putObject = async function putObject(this: Store, object: StoredObject) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  const body = await readAll(object.content);
  const md5 = createHash('md5').update(body).digest('hex');
  const metadata = Object.fromEntries(
    Object.entries(object.metadata).filter(
      ([name]) => name === 'content-type' || name === 'cache-control' || name.startsWith('x-amz-meta-'),
    ),
  );
  await writeAtomically(objectPath, body);
  await writeAtomically(this.getResourcePath(object.bucket, object.key, 'object.md5'), md5);
  await writeAtomically(this.getResourcePath(object.bucket, object.key, 'metadata.json'), JSON.stringify(metadata));
  return { md5, size: body.length };
};

// s3rver removes empty folders after a delete, racing a PUT or DELETE of a
// sibling key (the front locks per key, not per folder). Empty folders are harmless.
FilesystemStore.prototype.deleteObject = async function deleteObject(this: Store, bucket: string, key: string) {
  for (const resource of ['object', 'object.md5', 'metadata.json']) {
    await unlink(this.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
};

async function main(): Promise<void> {
  await mkdir(directory!, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: Number(portText ?? 0),
    directory,
    silent: process.env.S3_DEBUG !== '1',
    vhostBuckets: false,
    resetOnClose: false,
  });
  const front = createConditionalFront({
    bucketExists: async (bucket) => Boolean(await server.store.getBucket(bucket)),
    readEtag: (bucket, key) =>
      server.store.getMetadata(bucket, key).then(
        (metadata) => metadata.etag,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
          throw error;
        },
      ),
    fail: (failure, key) =>
      failure.code === 'NoSuchKey'
        ? new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key })
        : new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
            Condition: failure.condition,
          }),
    // s3rver checks only the key id of a V4 signature; we check the signature.
    authenticate: (ctx) => {
      const failure = verifySigV4(ctx, (id) => (id === 'S3RVER' ? 'S3RVER' : undefined));
      return failure && new S3Error(failure.code, failure.message);
    },
  });
  // s3rver formats a log line per request even when silent (koa-logger, then
  // winston drops it): wasted work on every request. Swap in a silent logger.
  if (process.env.S3_DEBUG !== '1') {
    const quiet = () => undefined;
    const logger = { info: quiet, warn: quiet, error: quiet, debug: quiet, exceptions: { unhandle: quiet }, close: quiet };
    server.logger = logger;
    server.context.logger = logger;
    server.middleware.shift(); // the koa-logger middleware, always first
  }
  // Koa composes `middleware` when it starts listening: put the front first.
  server.middleware.unshift(front);
  const { port } = await server.run();
  process.stdout.write(`S3_SERVER_READY http://127.0.0.1:${port}\n`);

  // Every write is atomic, so there is nothing to flush: exit at once (closing
  // the server would wait for the clients' idle keep-alive connections).
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  // The parent (vitest) died without stopping us: do not linger.
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
