// What a person sees when something is wrong with the remote or its files:
// a clear, typed error, and a local database left exactly as it was.

import { gzipSync } from 'node:zlib';
import { copyFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Remote } from '../../src/main/engine/remote';
import { listReplicas } from '../../src/main/engine/sync/replicas';
import { reidentify } from '../../src/main/engine/sync/reidentify';
import { TidemarkError } from '../../src/shared/errors';
import { openDatabase } from '../../src/main/engine/database';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, introduce, keychainOf, onDevice, sync, dumpLog, dumpTable, type SharedRemote } from '../support/sync-fixtures';
import { createTestBucket } from '../support/test-bucket';

async function errorOf(promise: Promise<unknown>): Promise<TidemarkError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TidemarkError);
  return error as TidemarkError;
}

describe('S3 remote errors', () => {
  let workspace: Workspace;
  beforeEach(() => (workspace = createWorkspace()));
  afterEach(() => workspace.cleanup());

  it('bad credentials give remote-auth and leave the database untouched', async () => {
    const bucket = await createTestBucket();
    const db = createReplica(workspace, 'a');
    db.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'x' } }]);
    const before = dumpLog(db);
    const remote = createS3Remote({ ...bucket.remoteOptions(), credentials: { accessKeyId: 'wrong', secretAccessKey: 'wrong' } });
    const error = await errorOf(sync(db, remote));
    expect(error.detail.kind).toBe('remote-auth');
    expect(error.detail.hint).toMatch(/credentials|key/i);
    expect(dumpLog(db)).toEqual(before);
  });

  it('a missing bucket gives remote-not-found', async () => {
    const bucket = await createTestBucket();
    const db = createReplica(workspace, 'a');
    const remote = createS3Remote({ ...bucket.remoteOptions(), bucket: `${bucket.bucket}-missing` });
    expect((await errorOf(sync(db, remote))).detail.kind).toBe('remote-not-found');
  });
});

describe('damaged files on a folder remote', () => {
  let workspace: Workspace;
  let shared: SharedRemote;
  beforeEach(async () => {
    workspace = createWorkspace();
    shared = await createSharedRemote('folder');
  });
  afterEach(() => workspace.cleanup());

  async function twoReplicas() {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    const c = createReplica(workspace, 'c');
    await introduce([a, b, c].map((db) => ({ db, remote: shared.connect() })));
    a.write([{ op: 'put', table: 'notes', id: 'from-a', values: { title: 'a' } }]);
    c.write([{ op: 'put', table: 'notes', id: 'from-c', values: { title: 'c' } }]);
    await sync(a, shared.connect());
    await sync(c, shared.connect());
    const [batch] = await shared.raw.list(`batches/${a.uuid}/`);
    return { a, b, c, batchKey: batch!.key };
  }

  async function replaceObject(key: string, body: Uint8Array) {
    const current = await shared.raw.get(key);
    if (current.status !== 'ok') throw new Error('missing');
    await shared.raw.putIfMatch(key, body, current.etag);
  }

  it.each([
    ['random bytes', () => new Uint8Array(Buffer.from('definitely not a batch file'))],
    ['truncated gzip', (body: Uint8Array) => body.subarray(0, Math.floor(body.length / 2))],
    ['valid gzip of something else', () => gzipSync(Buffer.from('hello'))],
  ])('a batch with %s quarantines its replica; the others keep syncing', async (_name, damage) => {
    const { a, b, c, batchKey } = await twoReplicas();
    const original = await shared.raw.get(batchKey);
    if (original.status !== 'ok') throw new Error('missing');
    await replaceObject(batchKey, damage(original.body));

    const report = await sync(b, shared.connect());
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]!.replica).toBe(a.uuid);
    expect(report.problems[0]!.message).toMatch(/damaged/);
    // c's change arrived; nothing of a's did.
    expect(dumpTable(b).map((r) => r.split(' ')[0])).toEqual(['id=t:"from-c"']);
    const quarantined = listReplicas(b).find((r) => r.replica === a.uuid)!;
    expect(quarantined.problem).toMatch(/damaged/);
    expect(dumpTable(c)).toHaveLength(2); // c pulled a's batch before it was damaged
  });

  it("a damaged batch in the middle stops that replica at it; every replica's batches go through one pipeline, and the others' all arrive", async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    const c = createReplica(workspace, 'c');
    await introduce([a, b, c].map((db) => ({ db, remote: shared.connect() })));
    for (const [db, ids] of [
      [a, ['a1', 'a2', 'a3']],
      [c, ['c1', 'c2']],
    ] as const) {
      for (const id of ids) {
        db.write([{ op: 'put', table: 'notes', id, values: { title: id } }]);
        await sync(db, shared.connect());
      }
    }
    const batches = await shared.raw.list(`batches/${a.uuid}/`);
    expect(batches).toHaveLength(3);
    await replaceObject(batches[1]!.key, Buffer.from('not a batch'));

    const report = await sync(b, shared.connect());
    expect(report.problems.map((p) => [p.replica, p.message])).toEqual([[a.uuid, expect.stringMatching(/damaged/)]]);
    // a's first batch went in; its second stopped it, so its third waited; c's both arrived.
    expect(dumpTable(b).map((r) => r.split(' ')[0])).toEqual(['id=t:"a1"', 'id=t:"c1"', 'id=t:"c2"']);
    expect(report.pulled).toBe(dumpLog(b).filter((line) => !line.includes(b.uuid)).length);
  });

  it('a head that is not JSON quarantines that replica only', async () => {
    const { a, b } = await twoReplicas();
    await replaceObject(`replicas/${a.uuid}.json`, Buffer.from('{ not json'));
    const report = await sync(b, shared.connect());
    expect(report.problems.map((p) => p.message)).toEqual([expect.stringMatching(/not JSON/)]);
    expect(dumpTable(b)).toHaveLength(1); // c's row only
    // Once a pushes again its head is rewritten and b catches up.
    a.write([{ op: 'put', table: 'notes', id: 'again', values: { title: 'again' } }]);
    await sync(a, shared.connect());
    const healed = await sync(b, shared.connect());
    expect(healed.problems).toEqual([]);
    expect(dumpTable(b)).toEqual(dumpTable(a));
  });

  it('a database file copied to another device is refused when it pushes', async () => {
    const a = createReplica(workspace, 'a');
    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'one' } }]);
    await sync(a, shared.connect());
    a.close();
    copyFileSync(workspace.file('a.db'), workspace.file('copy.db'));
    const original = onDevice(openDatabase(workspace.file('a.db')), keychainOf(a)); // same device, same keychain
    const copy = openDatabase(workspace.file('copy.db'));
    try {
      original.write([{ op: 'put', table: 'notes', id: 'n2', values: { title: 'original' } }]);
      await sync(original, shared.connect());
      copy.write([{ op: 'put', table: 'notes', id: 'n3', values: { title: 'copy' } }]);
      const error = await errorOf(sync(copy, shared.connect()));
      expect(error.detail.kind).toBe('identity-conflict');
      expect(error.detail.hint).toMatch(/reidentify/);

      // The fix the error names: the copy becomes a replica of its own and both sync.
      const result = reidentify(copy);
      expect(result.restamped).toBe(5); // n3's five attributes
      copy.close();
      const renamed = openDatabase(workspace.file('copy.db'));
      try {
        expect(renamed.uuid).toBe(result.replica);
        onDevice(renamed, keychainOf(copy));
        await introduce([{ db: renamed, remote: shared.connect() }, { db: original, remote: shared.connect() }]);
        await sync(renamed, shared.connect());
        await sync(original, shared.connect());
        expect(dumpTable(renamed)).toEqual(dumpTable(original));
        expect(dumpLog(renamed)).toEqual(dumpLog(original));
        expect(dumpTable(original).map((r) => r.split(' ')[0])).toEqual(['id=t:"n1"', 'id=t:"n2"', 'id=t:"n3"']);
      } finally {
        renamed.close();
      }
    } finally {
      original.close();
      if (copy.sqlite.open) copy.close();
    }
  });

  it('a remote of another dataset is refused', async () => {
    const a = createReplica(workspace, 'a');
    await sync(a, shared.connect());
    const other = await createSharedRemote('folder');
    const b = createReplica(workspace, 'b');
    await sync(b, other.connect());
    const error = await errorOf(sync(b, shared.connect()));
    expect(error.detail.kind).toBe('dataset-mismatch');
  });
});
