// The Remote port's contract: memory, folder and S3 remotes pass the same tests.
// Adapter-specific behaviour lives in folder-remote.test.ts and s3-remote.test.ts.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countUsage,
  createFolderRemote,
  createMemoryRemote,
  createS3Remote,
  type Remote,
} from '../../src/main/engine/remote';
import { isTidemarkError } from '../../src/shared/errors';
import { createTestBucket } from '../support/test-bucket';

interface AdapterCase {
  name: string;
  /** Whether a LIST costs one request per page (S3, and memory, which mimics it). */
  paged: boolean;
  create(options?: { pageSize?: number }): Promise<Remote>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const adapters: AdapterCase[] = [
  {
    name: 'memory',
    paged: true,
    create: async (options) => createMemoryRemote('memory:', options),
  },
  {
    name: 'folder',
    paged: false,
    create: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tidemark-folder-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return createFolderRemote(dir);
    },
  },
  {
    name: 's3',
    paged: true,
    create: async (options) => {
      const bucket = await createTestBucket();
      // A root prefix, so every test also checks the prefix join.
      const remote = createS3Remote({ ...bucket.remoteOptions('root/sub'), ...options });
      cleanups.push(() => remote.close(), () => bucket.client.destroy());
      return remote;
    },
  },
];

const text = (value: string) => new TextEncoder().encode(value);
const read = (body: Uint8Array) => new TextDecoder().decode(body);

async function putAll(remote: Remote, keys: string[], concurrency = 16): Promise<void> {
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        expect((await remote.putIfAbsent(key, text(key))).status).toBe('ok');
      }
    }),
  );
}

describe.each(adapters)('$name remote', (adapter) => {
  it('lists an empty remote for one request', async () => {
    const { remote, usage } = countUsage(await adapter.create());
    expect(await remote.list('')).toEqual([]);
    expect(usage.requests).toBe(1);
  });

  it('lists by prefix and startAfter, in key order, with etags and sizes', async () => {
    const remote = await adapter.create();
    const etags = new Map<string, string>();
    for (const key of ['b/2', 'a/1', 'a/2', 'ab', 'b/1', 'a/10', 'c', 'a-z']) {
      const put = await remote.putIfAbsent(key, text(`body of ${key}`));
      if (put.status !== 'ok') throw new Error(`put ${key}: ${put.status}`);
      etags.set(key, put.etag);
    }
    const keys = async (prefix: string, startAfter?: string) =>
      (await remote.list(prefix, { startAfter })).map((object) => object.key);
    expect(await keys('')).toEqual(['a-z', 'a/1', 'a/10', 'a/2', 'ab', 'b/1', 'b/2', 'c']);
    expect(await keys('a/')).toEqual(['a/1', 'a/10', 'a/2']);
    expect(await keys('a')).toEqual(['a-z', 'a/1', 'a/10', 'a/2', 'ab']);
    expect(await keys('', 'a/2')).toEqual(['ab', 'b/1', 'b/2', 'c']);
    expect(await keys('b/', 'b/1')).toEqual(['b/2']);
    expect(await keys('b/', 'a')).toEqual(['b/1', 'b/2']);
    expect(await keys('', 'c')).toEqual([]);
    expect(await keys('nothing/')).toEqual([]);
    for (const object of await remote.list('')) {
      expect(object.etag).toBe(etags.get(object.key));
      expect(object.size).toBe(text(`body of ${object.key}`).length);
    }
  });

  it('lists across pages, one request per page', async () => {
    const { remote, usage } = countUsage(await adapter.create({ pageSize: 7 }));
    const keys = Array.from({ length: 25 }, (_, i) => `p/${String(i).padStart(3, '0')}`);
    await putAll(remote, [...keys].reverse());
    usage.requests = 0;
    expect((await remote.list('p/')).map((object) => object.key)).toEqual(keys);
    expect(usage.requests).toBe(adapter.paged ? 4 : 1);
    expect((await remote.list('p/', { startAfter: 'p/012' })).map((object) => object.key)).toEqual(keys.slice(13));
  });

  it('lists more than 1000 keys (S3 page size) in key order', async () => {
    const { remote, usage, reset } = countUsage(await adapter.create());
    const keys = Array.from({ length: 1003 }, (_, i) => `replicas/${String(i).padStart(5, '0')}.json`);
    await putAll(remote, keys, 32);
    reset();
    const listed = await remote.list('replicas/');
    expect(listed.map((object) => object.key)).toEqual(keys);
    expect(usage.requests).toBe(adapter.paged ? 2 : 1);
  });

  it('gets missing, ok and not-modified', async () => {
    const remote = await adapter.create();
    expect(await remote.get('x/missing.json')).toEqual({ status: 'missing' });
    const put = await remote.putIfAbsent('x/head.json', text('hello'));
    if (put.status !== 'ok') throw new Error('put failed');
    const got = await remote.get('x/head.json');
    expect(got.status === 'ok' && read(got.body)).toBe('hello');
    expect(got.status === 'ok' && got.etag).toBe(put.etag);
    expect(await remote.get('x/head.json', { ifNoneMatch: put.etag })).toEqual({ status: 'not-modified' });
    const stale = await remote.get('x/head.json', { ifNoneMatch: '"stale"' });
    expect(stale.status).toBe('ok');
    // A key that is only a prefix of others (a folder, on disk) is no object.
    expect(await remote.get('x')).toEqual({ status: 'missing' });
  });

  it('creates only once: a second putIfAbsent is a conflict and keeps the first body', async () => {
    const remote = await adapter.create();
    expect((await remote.putIfAbsent('batches/r/1_2.db.gz', text('first'))).status).toBe('ok');
    expect(await remote.putIfAbsent('batches/r/1_2.db.gz', text('second'))).toEqual({ status: 'conflict' });
    const got = await remote.get('batches/r/1_2.db.gz');
    expect(got.status === 'ok' && read(got.body)).toBe('first');
  });

  it('compares and swaps: a stale or missing etag is a conflict, the right one a new etag', async () => {
    const remote = await adapter.create();
    const first = await remote.putIfAbsent('replicas/r.json', text('v1'));
    if (first.status !== 'ok') throw new Error('put failed');
    const second = await remote.putIfMatch('replicas/r.json', text('v2'), first.etag);
    if (second.status !== 'ok') throw new Error('swap failed');
    expect(second.etag).not.toBe(first.etag);
    // Same size as v2, written right after: the etag must still change.
    const third = await remote.putIfMatch('replicas/r.json', text('v3'), second.etag);
    if (third.status !== 'ok') throw new Error('swap failed');
    expect(new Set([first.etag, second.etag, third.etag]).size).toBe(3);
    expect(await remote.putIfMatch('replicas/r.json', text('late'), first.etag)).toEqual({ status: 'conflict' });
    expect(await remote.putIfMatch('replicas/none.json', text('x'), third.etag)).toEqual({ status: 'conflict' });
    const got = await remote.get('replicas/r.json');
    expect(got.status === 'ok' && [read(got.body), got.etag]).toEqual(['v3', third.etag]);
    expect((await remote.list('replicas/'))[0]?.etag).toBe(third.etag);
  });

  it('lets exactly one of 10 concurrent writers win, for both kinds of write', async () => {
    const remote = await adapter.create();
    const creates = await Promise.all(
      Array.from({ length: 10 }, (_, i) => remote.putIfAbsent('race/new.json', text(`writer ${i}`))),
    );
    expect(creates.filter((result) => result.status === 'ok')).toHaveLength(1);
    const base = await remote.putIfAbsent('race/head.json', text('base'));
    if (base.status !== 'ok') throw new Error('put failed');
    const swaps = await Promise.all(
      Array.from({ length: 10 }, (_, i) => remote.putIfMatch('race/head.json', text(`writer ${i}`), base.etag)),
    );
    expect(swaps.filter((result) => result.status === 'ok')).toHaveLength(1);
  });

  it('deletes, and deleting a missing key is not an error', async () => {
    const remote = await adapter.create();
    await remote.putIfAbsent('d/one', text('1'));
    await remote.putIfAbsent('d/two', text('2'));
    await remote.delete('d/one');
    await remote.delete('d/one');
    await remote.delete('never/there');
    expect(await remote.get('d/one')).toEqual({ status: 'missing' });
    expect((await remote.list('d/')).map((object) => object.key)).toEqual(['d/two']);
    expect((await remote.putIfAbsent('d/one', text('again'))).status).toBe('ok');
  });

  it('round-trips binary bodies byte for byte', async () => {
    const remote = await adapter.create();
    const bodies = {
      'bin/every-byte': Uint8Array.from({ length: 512 }, (_, i) => i % 256),
      'bin/random': new Uint8Array(randomBytes(1_000_003)),
      'bin/empty': new Uint8Array(0),
    };
    for (const [key, body] of Object.entries(bodies)) {
      expect((await remote.putIfAbsent(key, body)).status).toBe('ok');
      const got = await remote.get(key);
      if (got.status !== 'ok') throw new Error(`get ${key}: ${got.status}`);
      expect(Buffer.from(got.body).equals(Buffer.from(body))).toBe(true);
    }
    const sizes = (await remote.list('bin/')).map((object) => [object.key, object.size]);
    expect(sizes).toEqual([
      ['bin/empty', 0],
      ['bin/every-byte', 512],
      ['bin/random', 1_000_003],
    ]);
  });

  it('counts requests and body bytes each way', async () => {
    const { remote, usage, reset } = countUsage(await adapter.create());
    const put = await remote.putIfAbsent('u/a', text('12345'));
    if (put.status !== 'ok') throw new Error('put failed');
    await remote.putIfAbsent('u/a', text('123')); // conflict: still sent
    await remote.get('u/a');
    await remote.get('u/a', { ifNoneMatch: put.etag });
    await remote.get('u/missing');
    await remote.list('u/');
    await remote.delete('u/a');
    expect(usage).toEqual({ requests: 7, bytesUp: 8, bytesDown: 5 });
    reset();
    expect(usage).toEqual({ requests: 0, bytesUp: 0, bytesDown: 0 });
  });

  it('refuses keys that are not plain relative paths', async () => {
    const remote = await adapter.create();
    for (const key of ['', '/abs', 'a//b', '../up', 'a/./b', '.hidden', 'a\\b', 'x/~lock', 'copy.tmp']) {
      const error = await remote.putIfAbsent(key, text('x')).catch((e: unknown) => e);
      expect(isTidemarkError(error) && error.detail.kind, key).toBe('invalid-input');
      expect(isTidemarkError(await remote.get(key).catch((e: unknown) => e)), key).toBe(true);
    }
  });
});

// Batches are downloaded straight into a file where the remote can (pull.ts),
// so no download is ever a buffer of many MB in the main thread.
describe.each(adapters.filter((adapter) => adapter.name !== 'memory'))('$name remote, downloading to a file', (adapter) => {
  it('writes the same bytes and etag get() reads, replaces what the file held, and says missing for an absent key', async () => {
    const { remote, usage, reset } = countUsage(await adapter.create());
    const body = randomBytes(3 * 1024 * 1024 + 17); // several chunks of any stream
    expect((await remote.putIfAbsent('batches/r/big.db.gz', body)).status).toBe('ok');
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-download-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'download.gz');
    await writeFile(path, randomBytes(5 * 1024 * 1024)); // a longer earlier attempt
    reset();

    const got = await remote.getToFile!('batches/r/big.db.gz', path);
    const read = await remote.get('batches/r/big.db.gz');
    if (got.status !== 'ok' || read.status !== 'ok') throw new Error('not downloaded');
    expect(got.bytes).toBe(body.length);
    expect(Buffer.compare(await readFile(path), body)).toBe(0);
    expect(got.etag).toBe(read.etag);
    expect(usage).toMatchObject({ requests: 2, bytesDown: 2 * body.length });

    expect(await remote.getToFile!('batches/r/none.db.gz', join(dir, 'none.gz'))).toEqual({ status: 'missing' });
  });
});
