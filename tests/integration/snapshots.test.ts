// Snapshots: a new device joins from one download and ends identical to one
// that pulled every batch; a wiped remote is re-seeded; gc frees space without
// ever stranding a replica that is behind.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { planGc, runGc } from '../../src/main/engine/sync/gc';
import { readPushState } from '../../src/main/engine/sync/sync-state';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpLog, dumpTable, introduce, sync, type RemoteKind, type SharedRemote } from '../support/sync-fixtures';

describe.each<RemoteKind>(['folder', 's3'])('snapshots on a %s remote', (kind) => {
  let workspace: Workspace;
  let shared: SharedRemote;
  beforeEach(async () => {
    workspace = createWorkspace();
    shared = await createSharedRemote(kind);
  });
  afterEach(() => workspace.cleanup());

  const device = (db: TidemarkDatabase) => ({ db, remote: shared.connect() });

  async function history(a: TidemarkDatabase, b: TidemarkDatabase) {
    for (let i = 0; i < 12; i++) {
      a.write([{ op: 'put', table: 'notes', id: `a${i % 5}`, values: { title: `a edit ${i}`, rank: i } }]);
      b.write([{ op: 'put', table: 'notes', id: `b${i % 4}`, values: { title: `b edit ${i}` } }]);
      if (i % 4 === 3) b.write([{ op: 'delete', table: 'notes', id: `a${i % 5}` }]);
      await sync(a, shared.connect(), { maxBatchChanges: 7 });
      await sync(b, shared.connect(), { maxBatchChanges: 7 });
    }
    await sync(a, shared.connect());
  }

  it('a device joining from a snapshot equals one that pulled every batch, with fewer requests', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    await introduce([device(a), device(b)]);
    await history(a, b);

    const slow = createReplica(workspace, 'slow');
    await introduce([device(slow), device(a)]);
    const slowPull = await sync(slow, shared.connect());

    await sync(a, shared.connect(), { snapshot: 'force' });
    expect(readPushState(a.sqlite).snapshot?.count).toBe(dumpLog(a).length);
    const fast = createReplica(workspace, 'fast');
    await introduce([device(fast), device(a)]);
    const report = await sync(fast, shared.connect());
    await sync(slow, shared.connect());

    expect(dumpLog(fast)).toEqual(dumpLog(slow));
    expect(dumpTable(fast)).toEqual(dumpTable(slow));
    expect(dumpTable(fast)).toEqual(dumpTable(a));
    expect(report.requests).toBeLessThan(slowPull.requests);
  });

  it('re-seeds a wiped remote from a device\'s log, and a new device gets everything', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    await introduce([device(a), device(b)]);
    await history(a, b);
    await sync(b, shared.connect());
    for (const object of await shared.raw.list('')) await shared.raw.delete(object.key);
    expect(await shared.raw.list('')).toEqual([]);

    const reseeded = await sync(a, shared.connect());
    expect(reseeded.warnings.join(' ')).toMatch(/re-seeded/);
    a.write([{ op: 'put', table: 'notes', id: 'after-wipe', values: { title: 'still syncing' } }]);
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    await sync(a, shared.connect());
    const newcomer = createReplica(workspace, 'newcomer');
    await introduce([device(newcomer), device(a)]);
    await sync(newcomer, shared.connect());
    expect(dumpTable(b)).toEqual(dumpTable(a));
    expect(dumpTable(newcomer)).toEqual(dumpTable(a));
    expect(dumpLog(newcomer)).toEqual(dumpLog(a));
  });

  it('gc deletes covered batches only, and a replica offline all along still catches up', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    const offline = createReplica(workspace, 'offline');
    await introduce([device(a), device(b), device(offline)]);
    await sync(a, shared.connect()); // a learns offline's approval of it before offline goes away
    await history(a, b);
    await sync(a, shared.connect(), { snapshot: 'force' });

    const before = await shared.raw.list(`batches/${a.uuid}/`);
    const later = Date.now() + 60_000;
    expect((await planGc(a, shared.connect())).deletions).toEqual([]); // within the grace period
    const dry = await planGc(a, shared.connect(), { graceMs: 0, now: later });
    expect(dry.deletions.length).toBe(before.length);
    expect(dry.bytes).toBeGreaterThan(0);
    expect(await shared.raw.list(`batches/${a.uuid}/`)).toHaveLength(before.length); // planning deletes nothing
    await runGc(a, shared.connect(), dry);
    expect(await shared.raw.list(`batches/${a.uuid}/`)).toEqual([]);
    const bPlan = await planGc(b, shared.connect(), { graceMs: 0, now: later });
    expect(bPlan.deletions).toEqual([]); // b has no snapshot covering its batches

    await sync(b, shared.connect());
    const caughtUp = await sync(offline, shared.connect());
    expect(caughtUp.problems).toEqual([]);
    expect(dumpTable(offline)).toEqual(dumpTable(a));
    expect(dumpLog(offline)).toEqual(dumpLog(b));
  });
});
