// What only the folder remote promises, beyond the shared contract: no temp file
// ever visible, listings that never read a file, honest errors for a missing or
// read-only folder, and tolerance of what sync tools leave behind.

import { link, mkdir, mkdtemp, open, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFolderRemote, ensureFolderRoot } from '../../src/main/engine/remote';
import { isTidemarkError } from '../../src/shared/errors';

const text = (value: string) => new TextEncoder().encode(value);

async function errorKind(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isTidemarkError(error) ? error.detail.kind : `not a TidemarkError: ${String(error)}`;
}

async function allNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

/** Rejects if `promise` takes longer than `ms`: a listing that reads files would. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms)),
  ]);
}

describe('folder remote', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tidemark-folder-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('leaves no temp or lock file behind, whatever the outcome of a write', async () => {
    const remote = createFolderRemote(root);
    const first = await remote.putIfAbsent('replicas/r.json', text('v1'));
    if (first.status !== 'ok') throw new Error('put failed');
    await remote.putIfAbsent('replicas/r.json', text('again')); // conflict
    await remote.putIfMatch('replicas/r.json', text('v2'), first.etag);
    await remote.putIfMatch('replicas/r.json', text('v3'), first.etag); // conflict
    await remote.putIfAbsent('batches/r/1_2.db.gz', text('batch'));
    await remote.delete('batches/r/1_2.db.gz');
    expect(await allNames(root)).toEqual(['batches', 'batches/r', 'replicas', 'replicas/r.json']);
  });

  it('lists and answers "not modified" from stat alone, never reading a file', async () => {
    const remote = createFolderRemote(root);
    await remote.putIfAbsent('batches/r/small.db.gz', text('small'));
    // A sparse 64 GiB file: reading it would take minutes, stat takes microseconds.
    const huge = join(root, 'batches', 'r', 'huge.db.gz');
    const handle = await open(huge, 'w');
    await handle.truncate(2 ** 36);
    await handle.close();
    const listed = await within(2_000, remote.list('batches/'));
    expect(listed.map((object) => [object.key, object.size])).toEqual([
      ['batches/r/huge.db.gz', 2 ** 36],
      ['batches/r/small.db.gz', 5],
    ]);
    const etag = listed[0]?.etag ?? '';
    expect(await within(2_000, remote.get('batches/r/huge.db.gz', { ifNoneMatch: etag }))).toEqual({
      status: 'not-modified',
    });
  });

  it('reports a missing root as remote-not-found, and never creates it by writing', async () => {
    const missing = join(root, 'unplugged-disk');
    const remote = createFolderRemote(missing);
    expect(await errorKind(remote.list(''))).toBe('remote-not-found');
    expect(await errorKind(remote.list('replicas/'))).toBe('remote-not-found');
    expect(await errorKind(remote.get('tidemark.json'))).toBe('remote-not-found');
    expect(await errorKind(remote.putIfAbsent('replicas/r.json', text('x')))).toBe('remote-not-found');
    expect(await errorKind(remote.putIfMatch('replicas/r.json', text('x'), 'e'))).toBe('remote-not-found');
    expect(await errorKind(remote.delete('replicas/r.json'))).toBe('remote-not-found');
    await expect(stat(missing)).rejects.toThrow();
    const error = await remote.list('').catch((e: unknown) => e);
    expect(isTidemarkError(error) && [error.message, error.detail.kind === 'remote-not-found' && error.detail.hint]).toEqual([
      `The remote ${missing} does not exist`,
      `Plug in the disk that holds ${missing}, or create the folder`,
    ]);

    await ensureFolderRoot(missing);
    expect(await remote.list('')).toEqual([]);
    expect((await remote.putIfAbsent('replicas/r.json', text('x'))).status).toBe('ok');
  });

  it('reports a root that is a file as remote-not-found', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'not a folder');
    const remote = createFolderRemote(file);
    expect(await errorKind(remote.list(''))).toBe('remote-not-found');
    expect(await errorKind(remote.putIfAbsent('x.json', text('x')))).toBe('remote-not-found');
  });

  it('reports a folder it may not write to as remote-not-writable', async () => {
    // Root ignores permission bits, but not sysfs: writes there fail for everyone.
    let readOnly = '/sys/kernel';
    if (process.getuid?.() !== 0) {
      readOnly = join(root, 'read-only');
      await mkdir(readOnly, { mode: 0o555 });
    }
    const remote = createFolderRemote(readOnly);
    expect(await errorKind(remote.putIfAbsent('tidemark-probe.json', text('x')))).toBe('remote-not-writable');
    expect(await errorKind(remote.putIfMatch('tidemark-probe.json', text('x'), 'e'))).toBe('remote-not-writable');
    expect(await errorKind(ensureFolderRoot(join(readOnly, 'sub')))).toBe('remote-not-writable');
  });

  it("ignores hidden files, crash leftovers and sync tools' temp and conflict copies", async () => {
    const remote = createFolderRemote(root);
    await remote.putIfAbsent('replicas/a.json', text('a'));
    const foreign = [
      '.DS_Store',
      'replicas/.~tm-0123456789abcdef.tmp',
      'replicas/.~a.json.tidemark-lock',
      'replicas/a (Ana’s conflicted copy 2026-01-02).json',
      'replicas/a.sync-conflict-20260102-101010-ABCDEFG.json',
      'replicas/.syncthing.a.json.tmp',
      'replicas/a.json.!sync',
      'replicas/~a.json',
      'replicas/.dropbox.cache/x',
    ];
    for (const name of foreign) {
      await mkdir(join(root, name, '..'), { recursive: true });
      await writeFile(join(root, name), 'foreign');
    }
    // A stale lock (older than 30 s) left by a crash must not block writers.
    await utimes(join(root, 'replicas/.~a.json.tidemark-lock'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect((await remote.list('')).map((object) => object.key)).toEqual(['replicas/a.json']);
    const [head] = await remote.list('replicas/');
    expect((await remote.putIfMatch('replicas/a.json', text('b'), head?.etag ?? '')).status).toBe('ok');
  });

  it('waits for a fresh lock and breaks it once it is stale', async () => {
    const remote = createFolderRemote(root, { lockStaleMs: 300 });
    const first = await remote.putIfAbsent('head.json', text('v1'));
    if (first.status !== 'ok') throw new Error('put failed');
    await writeFile(join(root, '.~head.json.tidemark-lock'), '');
    const started = Date.now();
    expect((await remote.putIfMatch('head.json', text('v2'), first.etag)).status).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('sees a file replaced by a sync tool as changed, even with the old size and mtime', async () => {
    const remote = createFolderRemote(root);
    const put = await remote.putIfAbsent('replicas/r.json', text('AAAA'));
    if (put.status !== 'ok') throw new Error('put failed');
    const path = join(root, 'replicas/r.json');
    const before = await stat(path);
    // Like Syncthing: write a temp file, copy the mtime over, rename into place.
    const temp = join(root, 'replicas/.syncthing.r.json.tmp');
    await writeFile(temp, 'BBBB');
    await utimes(temp, before.atime, before.mtime);
    await rename(temp, path);
    const [listed] = await remote.list('replicas/');
    expect(listed?.etag).not.toBe(put.etag);
    expect(await remote.putIfMatch('replicas/r.json', text('CCCC'), put.etag)).toEqual({ status: 'conflict' });
  });

  it('keeps create-only when another process already holds a hard link to the name', async () => {
    const remote = createFolderRemote(root);
    await writeFile(join(root, 'outside'), 'someone else');
    await mkdir(join(root, 'batches'));
    await link(join(root, 'outside'), join(root, 'batches', 'b.db.gz'));
    expect(await remote.putIfAbsent('batches/b.db.gz', text('ours'))).toEqual({ status: 'conflict' });
  });
});
