// Single faults, one at a time, on memory and folder remotes (DESIGN.md 4.5):
// a transfer cut short, an answer lost after the write landed, a listing that
// misses entries, a partial object left behind by a storage that is not atomic.
// Each gives a typed error or a warning, never a lost or duplicated change, and
// the next fault-free sync recovers.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TidemarkError } from '../../src/shared/errors';
import { listReplicas } from '../../src/main/engine/sync/replicas';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpLog, dumpTable, introduce, type RemoteKind, removeSharedRemote, type SharedRemote, sync } from '../support/sync-fixtures';
import { createFaultRemote, isInjected, type Fault, type RemoteCall } from '../support/fault-remote';
import { logContents, repeated } from '../support/fault-devices';

const kinds: RemoteKind[] = ['memory', 'folder'];

describe.each(kinds)('single faults on a %s remote', (kind) => {
  let workspace: Workspace;
  let shared: SharedRemote;
  let a: TidemarkDatabase;
  let b: TidemarkDatabase;

  beforeEach(async () => {
    workspace = createWorkspace('tidemark-cut-');
    shared = await createSharedRemote(kind);
    a = createReplica(workspace, 'a');
    b = createReplica(workspace, 'b');
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    for (let i = 0; i < 4; i++) a.write([{ op: 'put', table: 'notes', id: `n${i}`, values: { title: `title ${i}`, rank: i } }]);
    await sync(a, shared.connect(), { maxBatchChanges: 10 });
  });
  afterEach(() => {
    workspace.cleanup();
    removeSharedRemote(shared);
  });

  async function expectConverged(): Promise<void> {
    for (const db of [a, b, a, b]) expect((await sync(db, shared.connect())).problems).toEqual([]);
    expect(dumpLog(b)).toEqual(dumpLog(a));
    expect(dumpTable(b)).toEqual(dumpTable(a));
    expect(repeated(logContents(a))).toEqual([]);
  }

  /** One sync with one fault and no retries, so the fault reaches the engine. */
  async function syncWith(db: TidemarkDatabase, match: (call: RemoteCall) => boolean, fault: Fault) {
    const remote = createFaultRemote(shared.connect(), [{ match, fault, times: 1 }]);
    const outcome = await sync(db, remote, { retry: { attempts: 1 } }).then(
      (report) => report,
      (error: unknown) => error,
    );
    expect(remote.injected).toHaveLength(1);
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(TidemarkError);
    return outcome;
  }

  const headOf = (db: TidemarkDatabase) => (call: RemoteCall) => call.operation === 'get' && call.key === `replicas/${db.uuid}.json`;
  const batchOf = (db: TidemarkDatabase) => (call: RemoteCall) => call.operation === 'get' && call.key.startsWith(`batches/${db.uuid}/`);

  // A short read is a transfer that failed, not a damaged file: the file on the
  // remote is whole. It is read again at once; cut short twice, the problem is
  // shown and the next sync reads it again.
  it("a GET of another replica's head cut short in transit: the next sync gets its changes", async () => {
    await syncWith(b, headOf(a), { kind: 'truncate' });
    await expectConverged();
  });

  it("a GET of another replica's batch cut short in transit: the next sync gets its changes", async () => {
    await syncWith(b, batchOf(a), { kind: 'truncate' });
    await expectConverged();
  });

  it.each([
    ['head', headOf],
    ['batch', batchOf],
  ])("a GET of another replica's %s cut short twice in a row: the problem is shown, and the next sync gets its changes", async (_what, of) => {
    const remote = createFaultRemote(shared.connect(), [{ match: of(a), fault: { kind: 'truncate' }, times: 2 }]);
    const report = await sync(b, remote, { retry: { attempts: 1 } });
    expect(remote.injected).toHaveLength(2);
    expect(report.problems).toEqual([expect.objectContaining({ replica: a.uuid, message: expect.stringMatching(/bytes arrived/) })]);
    expect(dumpTable(b)).toEqual([]);
    await expectConverged();
  });

  it('a batch GET whose answer is lost, and one that times out: typed errors, then recovery', async () => {
    expect(isInjected(await syncWith(b, batchOf(a), { kind: 'fail-after' }))).toBe(true);
    expect(isInjected(await syncWith(b, batchOf(a), { kind: 'timeout', ms: 1 }))).toBe(true);
    await expectConverged();
  });

  it('a transient failure is retried within the sync, with a warning', async () => {
    const remote = createFaultRemote(shared.connect(), [{ match: batchOf(a), fault: { kind: 'fail' }, times: 2 }]);
    const report = await sync(b, remote, { retry: { sleep: async () => {} } });
    expect(remote.injected).toHaveLength(2);
    expect(report.warnings.filter((w) => /Retried/.test(w))).toHaveLength(2);
    await expectConverged();
  });

  it('a head update whose answer is lost after it landed: the retry takes it as our own, nothing twice', async () => {
    a.write([{ op: 'put', table: 'notes', id: 'late', values: { title: 'late' } }]);
    const outcome = await syncWith(a, (c) => c.operation === 'putIfMatch', { kind: 'fail-after' });
    expect(isInjected(outcome)).toBe(true);
    a.write([{ op: 'put', table: 'notes', id: 'later', values: { title: 'later' } }]);
    await expectConverged();
  });

  it('two pushes in a row whose head updates landed unanswered: b, which applied the first, still follows', async () => {
    const headLands = (c: RemoteCall) => c.operation === 'putIfMatch' && c.key === `replicas/${a.uuid}.json`;
    a.write([{ op: 'put', table: 'notes', id: 'first', values: { title: 'first' } }]);
    expect(isInjected(await syncWith(a, headLands, { kind: 'fail-after' }))).toBe(true);
    expect((await sync(b, shared.connect())).problems).toEqual([]); // b applies the batch that head names
    a.write([{ op: 'put', table: 'notes', id: 'second', values: { title: 'second' } }]);
    expect(isInjected(await syncWith(a, headLands, { kind: 'fail-after' }))).toBe(true);
    // a's next push uploads both batches again: cut where they were cut, not as one.
    await expectConverged();
  });

  it('a batch upload that timed out but landed later: the retry finds it and uploads nothing twice', async () => {
    a.write([{ op: 'put', table: 'notes', id: 'late', values: { title: 'late' } }]);
    const remote = createFaultRemote(shared.connect(), [{ match: (c) => c.operation === 'putIfAbsent', fault: { kind: 'timeout', ms: 1, reaches: true } }]);
    const outcome = await sync(a, remote, { retry: { attempts: 1 } }).catch((error: unknown) => error);
    expect(isInjected(outcome)).toBe(true);
    await remote.settle(); // the upload lands after the client gave up
    const landed = await shared.raw.list(`batches/${a.uuid}/`);
    await sync(a, shared.connect());
    expect(await shared.raw.list(`batches/${a.uuid}/`)).toEqual(landed);
    await expectConverged();
  });

  it('a LIST that misses our own head: warned as a wiped remote, re-uploaded without duplicates', async () => {
    a.write([{ op: 'put', table: 'notes', id: 'late', values: { title: 'late' } }]);
    const remote = createFaultRemote(shared.connect());
    const original = remote.list.bind(remote);
    // The listing leaves a's own head out (an eventually consistent listing, a sync tool mid-copy).
    remote.list = async (prefix, options) => (await original(prefix, options)).filter((o) => o.key !== `replicas/${a.uuid}.json`);
    const report = await sync(a, remote);
    expect(report.warnings.join('\n')).toMatch(/missing/);
    await expectConverged();
    expect(listReplicas(b).find((r) => r.replica === a.uuid)?.problem ?? null).toBeNull();
  });

  // A storage that is not atomic (a sync tool copying a file in place, a network
  // share) can leave a cut-short batch under its final name. Only its author
  // writes there; its next push must not take that for another writer.
  it('an upload that left a partial batch under its final name: the author repairs it, and b gets every change', async () => {
    a.write([{ op: 'put', table: 'notes', id: 'late', values: { title: 'late' } }]);
    const outcome = await syncWith(a, (c) => c.operation === 'putIfAbsent', { kind: 'truncate' });
    expect(isInjected(outcome)).toBe(true);
    const retry = await sync(a, shared.connect()).catch((error: unknown) => error);
    expect(retry instanceof TidemarkError ? retry.detail : null).toBeNull();
    await expectConverged();
  });

  // A pushed batch damaged on the remote later (a disk, a sync tool, a person).
  // b quarantines a and names the file in its head; a, reading that, uploads it
  // again, and its next head has b try once more.
  it('a pushed batch damaged on the remote: after its author syncs again, b gets every change', async () => {
    const [first] = await shared.raw.list(`batches/${a.uuid}/`);
    const current = await shared.raw.get(first!.key);
    if (current.status !== 'ok') throw new Error('missing');
    await shared.raw.delete(first!.key);
    await shared.raw.putIfAbsent(first!.key, current.body.subarray(0, current.body.length - 7));
    expect((await sync(b, shared.connect())).problems.map((p) => p.message)).toEqual([expect.stringMatching(/damaged/)]);
    a.write([{ op: 'put', table: 'notes', id: 'later', values: { title: 'later' } }]);
    await sync(a, shared.connect());
    await expectConverged();
  });

  it("a head upload that left a partial head: the author rewrites it, and b is retried once it changes", async () => {
    a.write([{ op: 'put', table: 'notes', id: 'late', values: { title: 'late' } }]);
    await syncWith(a, (c) => c.operation === 'putIfMatch', { kind: 'truncate' });
    const seen = await sync(b, shared.connect());
    expect(seen.problems.map((p) => p.message)).toEqual([expect.stringMatching(/damaged/)]);
    a.write([{ op: 'put', table: 'notes', id: 'later', values: { title: 'later' } }]);
    await sync(a, shared.connect());
    await expectConverged();
  });
});
