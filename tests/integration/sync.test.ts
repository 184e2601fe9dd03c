// Sync between real replicas (SQLite files) through every remote kind:
// memory, a folder, and the real S3-compatible test server.

import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createFaultRemote, type RemoteCall } from '../support/fault-remote';
import { createReplica, createSharedRemote, introduce, sync, dumpLog, dumpTable, failingRemote, type RemoteKind, type SharedRemote } from '../support/sync-fixtures';

const kinds: RemoteKind[] = ['memory', 'folder', 's3'];

describe.each(kinds)('sync through a %s remote', (kind) => {
  let workspace: Workspace;
  let shared: SharedRemote;

  beforeEach(async () => {
    workspace = createWorkspace();
    shared = await createSharedRemote(kind);
  });
  afterEach(() => workspace.cleanup());

  it('three replicas with interleaved edits, deletes and syncs converge', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => createReplica(workspace, name)) as [ReturnType<typeof createReplica>, ReturnType<typeof createReplica>, ReturnType<typeof createReplica>];
    const ra = shared.connect();
    const rb = shared.connect();
    const rc = shared.connect();
    await introduce([{ db: a, remote: ra }, { db: b, remote: rb }, { db: c, remote: rc }]);

    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'groceries', rank: 1 } }]);
    b.write([{ op: 'put', table: 'notes', id: 'n2', values: { title: 'ideas', score: 2.5 } }]);
    await sync(a, ra);
    await sync(b, rb);
    await sync(c, rc);
    // Same row, different attributes on two devices; same attribute on a third.
    a.write([{ op: 'put', table: 'notes', id: 'n2', values: { body: 'from a' } }]);
    c.sqlite.exec("UPDATE notes SET title = 'ideas (c)' WHERE id = 'n2'");
    c.refresh(); // the capture gets its clock id now
    await new Promise((resolve) => setTimeout(resolve, 5)); // so b's edit is stamped later
    b.write([{ op: 'put', table: 'notes', id: 'n2', values: { title: 'ideas (b)' } }]);
    c.write([{ op: 'put', table: 'notes', id: 'n3', values: { title: 'blob', data: new Uint8Array([0, 1, 255]) } }]);
    await sync(c, rc);
    await sync(a, ra);
    b.write([{ op: 'delete', table: 'notes', id: 'n1' }]);
    await sync(b, rb);
    await sync(c, rc);
    a.write([{ op: 'put', table: 'notes', id: 'n3', values: { rank: 7 } }]);
    for (const [db, remote] of [[a, ra], [b, rb], [c, rc], [a, ra], [b, rb]] as const) await sync(db, remote);

    expect(dumpLog(a)).toEqual(dumpLog(b));
    expect(dumpLog(b)).toEqual(dumpLog(c));
    expect(dumpTable(a)).toEqual(dumpTable(b));
    expect(dumpTable(b)).toEqual(dumpTable(c));
    const rows = dumpTable(a);
    expect(rows).toHaveLength(2); // n1 deleted
    expect(rows[0]).toContain('title=t:"ideas (b)"'); // b wrote last
    expect(rows[0]).toContain('body=t:"from a"');
    expect(rows[1]).toContain('data=b:0001ff');
    expect(rows[1]).toContain('rank=i:7');
  });

  it('a no-op sync with five replicas costs one request, and one remote change costs list + head + batch', async () => {
    const replicas = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ db: createReplica(workspace, name), remote: shared.connect() }));
    await introduce(replicas);
    replicas[0]!.db.write([{ op: 'put', table: 'notes', id: 'x', values: { title: 'hello' } }]);
    for (let round = 0; round < 2; round++) for (const r of replicas) await sync(r.db, r.remote);

    for (const r of replicas) {
      const report = await sync(r.db, r.remote);
      expect(report.requests).toBe(1);
      expect(report.replicas).toBe(4);
    }

    replicas[1]!.db.write([{ op: 'put', table: 'notes', id: 'x', values: { title: 'changed' } }]);
    const push = await sync(replicas[1]!.db, replicas[1]!.remote);
    expect(push.pushed).toBe(1);
    expect(push.requests).toBe(3); // list, batch, head
    const pull = await sync(replicas[2]!.db, replicas[2]!.remote);
    expect(pull.pulled).toBe(1);
    expect(pull.requests).toBe(3); // list, head, batch
    expect(dumpTable(replicas[2]!.db)).toEqual(dumpTable(replicas[1]!.db));
  });

  it("a joining device's first sync leaves the pulled log in the database file itself, and its later commits are checkpointed again", async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    const [ra, rb] = [shared.connect(), shared.connect()];
    await introduce([{ db: a, remote: ra }, { db: b, remote: rb }]);
    a.write(Array.from({ length: 40 }, (_, i) => ({ op: 'put' as const, table: 'notes', id: `n${i}`, values: { title: `note ${i}`, rank: i } })));
    await sync(a, ra);
    expect(b.joining()).toBe(true);

    await sync(b, rb);
    await b.settled(); // the end's checkpoint runs on the file worker
    expect(b.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    // The database file alone, without its WAL: what a copy of it holds.
    const copy = join(workspace.dir, 'b-file-only.db');
    copyFileSync(b.path, copy);
    const file = new BetterSqlite3(copy, { readonly: true });
    try {
      expect(file.prepare('SELECT count(*) FROM ZV_CHANGE').pluck().get()).toBe(dumpLog(a).length);
      expect(file.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(40);
      expect(file.prepare("SELECT 1 FROM sqlite_master WHERE name = 'ZV_CHANGE_by_attribute'").pluck().get()).toBe(1);
    } finally {
      file.close();
    }
  });

  it('a push cut off after the batch upload loses and duplicates nothing on retry', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'one' } }]);
    const cut = failingRemote(shared.connect(), (operation, key) => key.startsWith('replicas/') && operation.startsWith('put'));
    await expect(sync(a, cut)).rejects.toThrow(/injected failure/);
    // More work happens before the retry.
    a.write([{ op: 'put', table: 'notes', id: 'n2', values: { title: 'two' } }]);
    const retry = await sync(a, shared.connect());
    expect(retry.pushed).toBe(10); // two new rows, five attributes each

    const batches = await shared.raw.list(`batches/${a.uuid}/`);
    expect(batches).toHaveLength(2); // the first batch was reused, not uploaded twice
    const pulled = await sync(b, shared.connect());
    expect(pulled.pulled).toBe(10);
    expect(dumpTable(b)).toEqual(dumpTable(a));
    expect(dumpLog(b)).toEqual(dumpLog(a));
  });

  it('a pull cut off midway resumes where it stopped', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    for (let i = 0; i < 30; i++) a.write([{ op: 'put', table: 'notes', id: `n${i}`, values: { title: `note ${i}` } }]);
    await sync(a, shared.connect(), { maxBatchChanges: 50 }); // 150 changes: 3 batches of 10 rows
    let batchGets = 0;
    const cut = failingRemote(shared.connect(), (operation, key) => operation === 'get' && key.startsWith('batches/') && ++batchGets === 2);
    await expect(sync(b, cut)).rejects.toThrow(/injected failure/);
    expect(dumpTable(b)).toHaveLength(10); // the first batch landed whole, with its cursor

    const resumed = await sync(b, shared.connect());
    expect(resumed.pulled).toBe(100);
    expect(dumpTable(b)).toEqual(dumpTable(a));
  });

  it('splits a large push into batches and pulls them through LIST when the head no longer lists them all', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    a.write(Array.from({ length: 70 }, (_, i) => ({ op: 'put' as const, table: 'notes', id: `n${String(i).padStart(3, '0')}`, values: { rank: i } })));
    const push = await sync(a, shared.connect(), { maxBatchChanges: 5 }); // one row per batch
    expect(push.pushed).toBe(350);
    expect(await shared.raw.list(`batches/${a.uuid}/`)).toHaveLength(70); // more than a head lists (64)
    const pull = await sync(b, shared.connect());
    expect(pull.pulled).toBe(350);
    expect(dumpTable(b)).toEqual(dumpTable(a));
  });

  it('a listing of batches cut short is listed again at once; cut short twice, the next sync finds the batches though the head has not changed', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    const c = createReplica(workspace, 'c');
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }, { db: c, remote: shared.connect() }]);
    a.write(Array.from({ length: 70 }, (_, i) => ({ op: 'put' as const, table: 'notes', id: `n${String(i).padStart(3, '0')}`, values: { rank: i } })));
    await sync(a, shared.connect(), { maxBatchChanges: 5 }); // 70 batches: more than a head lists
    const batchListing = (call: RemoteCall) => call.operation === 'list' && call.key.startsWith('batches/');

    const once = createFaultRemote(shared.connect(), [{ match: batchListing, fault: { kind: 'truncate', keep: 10 }, times: 1 }]);
    const first = await sync(b, once);
    expect(once.injected).toHaveLength(1);
    expect(first.problems).toEqual([]);
    expect(dumpTable(b)).toEqual(dumpTable(a));

    const twice = createFaultRemote(shared.connect(), [{ match: batchListing, fault: { kind: 'truncate', keep: 10 }, times: 2 }]);
    const cut = await sync(c, twice);
    expect(twice.injected).toHaveLength(2);
    expect(cut.problems.map((p) => p.message)).toEqual([expect.stringMatching(/batches between what we hold and its head are missing/)]);
    expect(dumpTable(c)).toEqual([]);
    const next = await sync(c, shared.connect()); // a's head is the same one
    expect(next.problems).toEqual([]);
    expect(dumpTable(c)).toEqual(dumpTable(a));
  });
});
