// A batch file that goes bad on the remote after it was published (a disk, a
// sync tool, a person deleting a file): the device that reads it names it in
// its own head, and the device that wrote it uploads the very same bytes again
// at its next sync, or, where it cannot rebuild them, publishes a snapshot the
// reader catches up from. Real folder and S3 remotes (DESIGN.md 4.5: "a
// truncated or tampered file ... the next sync recovers").

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { readOurReports, writeOurReports } from '../../src/main/engine/sync/damage-reports';
import { saveProblem } from '../../src/main/engine/sync/sync-state';
import { listReplicas } from '../../src/main/engine/sync/replicas';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import type { Remote } from '../../src/main/engine/remote/remote';
import { createReplica, createSharedRemote, dumpLog, dumpTable, failingRemote, introduce, sync, type RemoteKind, type SharedRemote } from '../support/sync-fixtures';

const kinds: RemoteKind[] = ['folder', 's3'];

/** A copy of `bytes` with one byte changed: the same size, other content (bit rot, a careless edit). */
function flipByte(bytes: Uint8Array, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

async function bodyOf(remote: Remote, key: string): Promise<Buffer> {
  const got = await remote.get(key);
  if (got.status !== 'ok') throw new Error(`${key} is ${got.status}`);
  return Buffer.from(got.body);
}

/** Puts other bytes where a file was, around the engine. */
async function replaceFile(remote: Remote, key: string, bytes: Uint8Array): Promise<void> {
  await remote.delete(key);
  expect((await remote.putIfAbsent(key, bytes)).status).toBe('ok');
}

/** a and b, trusting each other, both holding a's first change. */
async function twoDevices(workspace: Workspace, kind: RemoteKind, options: { encrypt?: boolean } = {}) {
  const shared = await createSharedRemote(kind);
  const a = createReplica(workspace, 'a');
  const b = createReplica(workspace, 'b');
  if (options.encrypt) await sync(a, shared.connect(), { encrypt: true });
  await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
  a.write([{ op: 'put', table: 'notes', id: 'first', values: { title: 'b holds this before the damage' } }]);
  // Twice around: with encryption, b receives the data key on the way.
  for (let round = 0; round < 2; round++) for (const db of [a, b]) await sync(db, shared.connect());
  return { shared, a, b };
}

describe.each(kinds)('damaged batch files on a %s remote', (kind) => {
  let workspace: Workspace;
  let shared: SharedRemote;
  let a: TidemarkDatabase;
  let b: TidemarkDatabase;

  beforeEach(async () => {
    workspace = createWorkspace('tidemark-damaged-');
    ({ shared, a, b } = await twoDevices(workspace, kind));
  });
  afterEach(() => workspace.cleanup());

  /** Four more batches of a's that b has not read yet; returns their keys and bytes as pushed. */
  async function pushFourBatches(): Promise<Array<{ key: string; bytes: Buffer }>> {
    const before = new Set((await shared.raw.list(`batches/${a.uuid}/`)).map((o) => o.key));
    for (let i = 0; i < 4; i++) a.write([{ op: 'put', table: 'notes', id: `n${i}`, values: { title: `title ${i}`, rank: i } }]);
    await sync(a, shared.connect(), { maxBatchChanges: 5 });
    const added = (await shared.raw.list(`batches/${a.uuid}/`)).filter((o) => !before.has(o.key));
    expect(added).toHaveLength(4);
    return Promise.all(added.map(async (o) => ({ key: o.key, bytes: await bodyOf(shared.raw, o.key) })));
  }

  async function headOf(db: TidemarkDatabase): Promise<Record<string, unknown>> {
    return JSON.parse((await bodyOf(shared.raw, `replicas/${db.uuid}.json`)).toString('utf8')) as Record<string, unknown>;
  }

  async function expectConverged(): Promise<void> {
    for (const db of [a, b, a, b]) expect((await sync(db, shared.connect())).problems).toEqual([]);
    expect(dumpLog(b)).toEqual(dumpLog(a));
    expect(dumpTable(b)).toEqual(dumpTable(a));
  }

  it('a batch deleted from the remote: b reports it, a uploads the same bytes again, b gets every change', async () => {
    const batches = await pushFourBatches();
    const lost = batches[1]!;
    await shared.raw.delete(lost.key);

    const seen = await sync(b, shared.connect());
    expect(seen.problems).toEqual([expect.objectContaining({ replica: a.uuid, message: expect.stringMatching(/missing/), hint: expect.stringMatching(/asked that replica to upload/) })]);
    expect(dumpTable(b).join('\n')).toContain('title 0'); // the batch before it went in
    expect(dumpTable(b).join('\n')).not.toContain('title 1');
    // b says so in its signed head, where a reads it.
    expect((await headOf(b)).damaged).toEqual([{ replica: a.uuid, file: lost.key, seen: expect.any(String) }]);

    const mended = await sync(a, shared.connect()); // a has written nothing new
    expect(mended.warnings.join('\n')).toMatch(/Uploaded again 1 of this device's batch files .*\(reported by b\)/);
    expect(await bodyOf(shared.raw, lost.key)).toEqual(lost.bytes);

    await expectConverged();
    expect(dumpTable(b).join('\n')).toContain('title 3');
    expect(readOurReports(b.sqlite)).toEqual([]);
    expect((await headOf(b)).damaged).toBeUndefined();
    expect(listReplicas(b).find((r) => r.replica === a.uuid)?.problem ?? null).toBeNull();
  });

  it('bytes changed in place, same size: found by its hash, rebuilt byte for byte, and a later sync costs one request again', async () => {
    const batches = await pushFourBatches();
    const rotten = batches[2]!;
    const flipped = flipByte(rotten.bytes, rotten.bytes.length >> 1);
    await replaceFile(shared.raw, rotten.key, flipped);

    const seen = await sync(b, shared.connect());
    expect(seen.problems.map((p) => p.message)).toEqual([expect.stringMatching(/do not match the hash/)]);
    await sync(a, shared.connect());
    expect(await bodyOf(shared.raw, rotten.key)).toEqual(rotten.bytes);
    await expectConverged();

    // The reports are over: nobody uploads or rewrites anything any more.
    const files = await shared.raw.list(`batches/${a.uuid}/`);
    for (const db of [a, b]) await sync(db, shared.connect());
    expect((await sync(a, shared.connect())).requests).toBe(1);
    expect((await sync(b, shared.connect())).requests).toBe(1);
    expect(await shared.raw.list(`batches/${a.uuid}/`)).toEqual(files);
  });

  it('a file cut short on the remote (a sync tool copying in place) is reported and mended like a damaged one', async () => {
    const batches = await pushFourBatches();
    const cut = batches[0]!;
    await replaceFile(shared.raw, cut.key, cut.bytes.subarray(0, cut.bytes.length - 9));
    expect((await sync(b, shared.connect())).problems.map((p) => p.message)).toEqual([expect.stringMatching(/bytes arrived/)]);
    await sync(a, shared.connect());
    expect(await bodyOf(shared.raw, cut.key)).toEqual(cut.bytes);
    await expectConverged();
  });

  it("a file whole on the remote but damaged on b's way to it: a uploads nothing, answers once, and then stays quiet", async () => {
    const batches = await pushFourBatches();
    const target = batches[1]!;
    // b's downloads of that file arrive altered (its sync tool's copy, its network): the same size, other bytes.
    const throughBadCopy = (): Remote => {
      const inner = shared.connect();
      return {
        url: inner.url,
        list: (prefix, options) => inner.list(prefix, options),
        get: async (key, options) => {
          const got = await inner.get(key, options);
          return got.status === 'ok' && key === target.key ? { ...got, body: flipByte(got.body, 100) } : got;
        },
        putIfAbsent: (key, body) => inner.putIfAbsent(key, body),
        putIfMatch: (key, body, etag) => inner.putIfMatch(key, body, etag),
        delete: (key) => inner.delete(key),
      };
    };
    const listedEtag = async () => (await shared.raw.list(target.key))[0]!.etag;
    const etag = await listedEtag();

    expect((await sync(b, throughBadCopy())).problems.map((p) => p.message)).toEqual([expect.stringMatching(/do not match the hash/)]);
    const first = await sync(a, shared.connect()); // reported for the first time: a new head, so b tries again
    expect(first.warnings).toEqual([]);
    expect((await sync(b, throughBadCopy())).problems).toHaveLength(1);
    const again = failingRemote(shared.connect(), () => false);
    await sync(a, again); // reported again at a's new head: still whole, so no upload and no new head
    expect(again.calls.filter(([operation]) => operation.startsWith('put'))).toEqual([]);
    expect(await listedEtag()).toBe(etag);
    for (const db of [b, a]) await sync(db, db === b ? throughBadCopy() : shared.connect());
    expect((await sync(a, shared.connect())).requests).toBe(1);
    expect(await bodyOf(shared.raw, target.key)).toEqual(target.bytes);
  });

  it('a report in the head of a replica a has not approved is ignored: a reads none of its own batches', async () => {
    const batches = await pushFourBatches();
    await expectConverged();
    const stranger = createReplica(workspace, 'stranger');
    await sync(stranger, shared.connect());
    // The stranger's head claims a's file is damaged (it could claim anything: nobody trusts it yet).
    const head = await headOf(stranger);
    head.damaged = [{ replica: a.uuid, file: batches[0]!.key, seen: 'x' }];
    const key = `replicas/${stranger.uuid}.json`;
    const current = await shared.raw.list(key);
    expect((await shared.raw.putIfMatch(key, Buffer.from(JSON.stringify(head)), current[0]!.etag)).status).toBe('ok');

    const watched = failingRemote(shared.connect(), () => false);
    const report = await sync(a, watched);
    expect(report.pending).toContain(stranger.uuid);
    expect(watched.calls.filter(([, k]) => k.startsWith(`batches/${a.uuid}/`))).toEqual([]);
    expect(report.warnings).toEqual([]);
  });
});

describe('damaged batch files on a folder remote, cases of their own', () => {
  let workspace: Workspace;
  beforeEach(() => {
    workspace = createWorkspace('tidemark-damaged-');
  });
  afterEach(() => workspace.cleanup());

  it('a damaged batch older than the head lists is bridged by a snapshot its author publishes instead, and b gets every change', async () => {
    const { shared, a, b } = await twoDevices(workspace, 'folder');
    // 70 one-change batches: the head lists the newest 64, so b reads these by LIST.
    for (let i = 0; i < 70; i++) a.write([{ op: 'put', table: 'notes', id: `n${String(i).padStart(2, '0')}`, values: { title: `title ${i}` } }]);
    await sync(a, shared.connect(), { maxBatchChanges: 1, snapshot: 'never' });
    const listed = await shared.raw.list(`batches/${a.uuid}/`);
    const old = listed[listed.length - 70]!; // the first of the 70: outside the head's list
    const bytes = await bodyOf(shared.raw, old.key);
    await replaceFile(shared.raw, old.key, flipByte(bytes, bytes.length >> 1));

    // By LIST, b can only tell the chain does not add up: it reports the folder.
    const seen = await sync(b, shared.connect());
    expect(seen.problems.map((p) => p.message)).toEqual([expect.stringMatching(/do not match the chain/)]);
    expect(readOurReports(b.sqlite)).toEqual([{ replica: a.uuid, file: `batches/${a.uuid}/`, seen: expect.any(String) }]);

    const answered = await sync(a, shared.connect(), { snapshot: 'never' }); // the fallback publishes one anyway
    expect(answered.warnings.join('\n')).toMatch(/catch up from this device's snapshot/);
    expect(await shared.raw.list(`snapshots/${a.uuid}/`)).toHaveLength(1);

    for (const db of [b, a, b]) expect((await sync(db, shared.connect())).problems).toEqual([]);
    expect(dumpLog(b)).toEqual(dumpLog(a));
    expect(dumpTable(b)).toEqual(dumpTable(a));
    expect(dumpTable(b)).toHaveLength(71);
  }, 60_000);

  it('a damaged batch of an encrypted dataset is sealed again to the very same bytes under the key it was sealed with', async () => {
    const { shared, a, b } = await twoDevices(workspace, 'folder', { encrypt: true });
    for (let i = 0; i < 3; i++) a.write([{ op: 'put', table: 'notes', id: `s${i}`, values: { title: `sealed ${i}` } }]);
    await sync(a, shared.connect(), { maxBatchChanges: 5 });
    const listed = await shared.raw.list(`batches/${a.uuid}/`);
    const target = listed[listed.length - 2]!;
    const original = await bodyOf(shared.raw, target.key);
    await replaceFile(shared.raw, target.key, flipByte(original, original.length - 20));

    expect((await sync(b, shared.connect())).problems.map((p) => p.message)).toEqual([expect.stringMatching(/do not match the hash/)]);
    await sync(a, shared.connect());
    expect(await bodyOf(shared.raw, target.key)).toEqual(original);
    for (const db of [b, a, b]) expect((await sync(db, shared.connect())).problems).toEqual([]);
    expect(dumpTable(b)).toEqual(dumpTable(a));
    expect(dumpTable(b).join('\n')).toContain('sealed 2');
  }, 60_000);

  it('reports a snapshot already answers do not make the author upload its whole log again', async () => {
    const { shared, a, b } = await twoDevices(workspace, 'folder');
    await sync(a, shared.connect(), { snapshot: 'force' });
    await sync(b, shared.connect());
    expect(await shared.raw.list(`snapshots/${a.uuid}/`)).toHaveLength(1);
    // b says, as a replica that keeps failing on a's batches would, that a's files do not add up.
    const aHead = (await shared.raw.list(`replicas/${a.uuid}.json`))[0]!;
    b.transaction(() => {
      saveProblem(b.sqlite, a.uuid, 'its batch files do not match the chain its signed head names', aHead.etag);
      writeOurReports(b, new Map([[a.uuid, { replica: a.uuid, file: `batches/${a.uuid}/`, seen: 'x' }]]));
    });
    await sync(b, shared.connect());

    const answered = await sync(a, shared.connect());
    expect(answered.warnings.join('\n')).toMatch(/catch up from this device's snapshot/);
    expect(await shared.raw.list(`snapshots/${a.uuid}/`)).toHaveLength(1); // the one it has holds everything
  });
});
