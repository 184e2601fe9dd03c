// The sync part of the contract through the gate, as two devices over one
// folder remote: remote settings, sync, device approval with fingerprints,
// conflicts, snapshot and gc, automatic sync — with good and bad arguments.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseSummary, WriteSummary } from '../../src/shared/app-types';
import type { ConflictsView, RemoteTestResult, RemoteView, ReplicasView, StorageReport, SyncRun, SyncStatus } from '../../src/shared/sync-types';
import { appHint } from '../../src/main/app/app-hints';
import { createDevice, createFolder, folderDraft, noteTitles, type Device } from './sync-fixture';

let laptop: Device;
let desk: Device;
let folder: ReturnType<typeof createFolder>;

beforeEach(async () => {
  folder = createFolder();
  laptop = await createDevice('Laptop');
  desk = await createDevice('Desk');
});
afterEach(() => {
  laptop.app.cleanup();
  desk.app.cleanup();
  folder.cleanup();
});

async function connect(...devices: Device[]) {
  for (const d of devices) await d.call('remote.set', { remote: folderDraft(folder.path), encrypt: false });
}

async function trustEachOther() {
  await connect(laptop, desk);
  await laptop.call('sync.now');
  await desk.call('sync.now');
  await laptop.call('sync.now');
  for (const [me, other] of [
    [laptop, desk],
    [desk, laptop],
  ] as const) {
    const { replicas } = await me.call<ReplicasView>('replicas.list');
    await me.call('replicas.approve', { replica: other.uuid, fingerprint: replicas.find((r) => r.replica === other.uuid)!.fingerprint });
  }
  await waitIdle(laptop, desk);
}

/** Lets the syncs a decision started finish (they are queued per database). */
async function waitIdle(...devices: Device[]) {
  for (const d of devices) await d.app.service.sync.exclusive(d.id, async () => {});
}

describe('remote settings', () => {
  it('starts without a remote and suggests a folder inside the app’s remote folder', async () => {
    const view = await laptop.call<RemoteView>('remote.get');
    expect(view.remote).toBeNull();
    expect(view.suggestedFolder).toBe(join(laptop.app.dir, 'data', 'remote', 'Notes'));
    expect(await laptop.call<SyncStatus>('sync.status')).toMatchObject({ configured: false, progress: null, last: null, pendingReplicas: 0, openConflicts: 0 });
  });

  it('tests a folder before saving it, then saves it', async () => {
    const missing = join(folder.path, 'not-yet');
    expect(await laptop.call<RemoteTestResult>('remote.test', { draft: folderDraft(missing) })).toMatchObject({ willCreate: true, dataset: 'empty' });
    expect(existsSync(missing)).toBe(false); // testing never creates anything
    expect(await laptop.call<RemoteTestResult>('remote.test', { draft: folderDraft(folder.path) })).toMatchObject({ willCreate: false, dataset: 'empty', replicas: 0 });

    const saved = await laptop.call<RemoteView>('remote.set', { remote: folderDraft(missing), encrypt: false });
    expect(saved.remote).toMatchObject({ kind: 'folder', url: missing, credentials: 'not-needed', encrypt: false, encrypted: null, draft: { kind: 'folder', path: missing } });
    expect(existsSync(missing)).toBe(true);
    await laptop.call('sync.now');
    expect((await laptop.call<RemoteView>('remote.get')).remote).toMatchObject({ encrypted: false, datasetUuid: expect.any(String) });
    expect(await laptop.call<RemoteTestResult>('remote.test')).toMatchObject({ dataset: 'same', replicas: 0 });
    expect(await desk.call<RemoteTestResult>('remote.test', { draft: folderDraft(missing) })).toMatchObject({ dataset: 'joins', replicas: 1 });
  });

  it('puts a relative folder in the app’s remote folder, and ~ in the home folder', async () => {
    const view = await laptop.call<RemoteView>('remote.set', { remote: folderDraft('shared notes'), encrypt: false });
    expect(view.remote!.url).toBe(join(laptop.app.dir, 'data', 'remote', 'shared notes'));
  });

  it.each([
    ['an S3 bucket name that S3 refuses', 'remote.set', { remote: { kind: 's3', bucket: 'Bad_Bucket', prefix: '', endpoint: null, region: null, pathStyle: false }, encrypt: false }, 'remote'],
    ['an endpoint that is not http(s)', 'remote.set', { remote: { kind: 's3', bucket: 'notes', prefix: '', endpoint: 'ftp://x', region: null, pathStyle: false }, encrypt: false }, 'remote.endpoint'],
    ['a region with spaces', 'remote.set', { remote: { kind: 's3', bucket: 'notes', prefix: '', endpoint: null, region: 'eu central', pathStyle: false }, encrypt: false }, 'remote.region'],
    ['an unknown remote kind', 'remote.set', { remote: { kind: 'ftp', path: '/x' }, encrypt: false }, 'remote.kind'],
    ['an extra field in the remote', 'remote.set', { remote: { kind: 'folder', path: '/x', secret: 'y' }, encrypt: false }, 'remote'],
    ['a missing encrypt choice', 'remote.set', { remote: { kind: 'folder', path: '/x' } }, 'encrypt'],
    ['a folder path with NUL', 'remote.test', { draft: { kind: 'folder', path: 'a\0b' } }, 'draft.path'],
    ['an access key with a newline', 'remote.setCredentials', { accessKeyId: 'AKIA\nX', secretAccessKey: 's' }, 'accessKeyId'],
    ['an empty secret', 'remote.setCredentials', { accessKeyId: 'AKIA', secretAccessKey: '  ' }, 'secretAccessKey'],
    ['an interval of zero minutes', 'sync.settings', { intervalMinutes: 0, onChange: true }, 'intervalMinutes'],
    ['a fractional interval', 'sync.settings', { intervalMinutes: 1.5, onChange: true }, 'intervalMinutes'],
    ['a negative grace period', 'gc.plan', { graceHours: -1 }, 'graceHours'],
    ['a replica id that is not one', 'replicas.approve', { replica: '../x', fingerprint: 'AAAA-BBBB-CCCC-DDDD-EEEE' }, 'replica'],
    ['a malformed fingerprint', 'replicas.approve', { replica: '01900000-0000-7000-8000-0000000000aa', fingerprint: 'yes' }, 'fingerprint'],
    ['a conflict id that is not an integer', 'conflicts.resolve', { id: 'x', keep: 'mine' }, 'id'],
    ['an unknown way to resolve', 'conflicts.resolve', { id: 1, keep: 'both' }, 'keep'],
  ])('refuses %s', async (_name, method, input, field) => {
    expect(await laptop.fail(method, input)).toMatchObject({ kind: 'invalid-input', field, hint: expect.any(String) });
  });

  it('refuses credentials for a folder remote, and syncing without a remote, with what to do', async () => {
    // The engine's hint names a CLI command; the app's names the tab.
    expect(await laptop.fail('sync.now')).toMatchObject({ kind: 'remote-not-configured', hint: 'Choose a folder or an S3 bucket on the Sync tab.' });
    expect(await laptop.fail('gc.plan')).toMatchObject({ kind: 'remote-not-configured' });
    expect(await laptop.fail('remote.setCredentials', { accessKeyId: 'AKIA', secretAccessKey: 'x' })).toMatchObject({ kind: 'remote-not-configured' });
    await connect(laptop);
    expect(await laptop.fail('remote.setCredentials', { accessKeyId: 'AKIA', secretAccessKey: 'x' })).toMatchObject({ kind: 'invalid-input', field: 'remote' });
  });

  it('reports a folder it may not write to', async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    const { chmodSync } = await import('node:fs');
    chmodSync(folder.path, 0o500);
    try {
      expect(await laptop.fail('remote.test', { draft: folderDraft(folder.path) })).toMatchObject({ kind: 'remote-not-writable' });
    } finally {
      chmodSync(folder.path, 0o700);
    }
  });
});

describe('syncing two devices', () => {
  it('shows the other device pending with its fingerprint, approves it after comparing, and its rows arrive', async () => {
    await laptop.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'From the laptop' } });
    await connect(laptop, desk);
    const first = await laptop.call<SyncRun>('sync.now');
    expect(first).toMatchObject({ ok: true, trigger: 'manual', error: null, summary: { pushed: 1, pending: [] } });

    const seen = await desk.call<SyncRun>('sync.now');
    expect(seen.summary!.pending).toEqual([laptop.uuid]);
    expect(desk.received('replicas.pending').at(-1)).toEqual({ databaseId: desk.id, replicas: [{ replica: laptop.uuid, name: 'Laptop', fingerprint: expect.stringMatching(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/) }] });
    expect((await desk.app.call<DatabaseSummary[]>('databases.list', {}))[0]).toMatchObject({ pendingReplicas: 1 });
    expect(desk.received('databases.changed').at(-1)![0]).toMatchObject({ pendingReplicas: 1 }); // the sidebar's badge
    expect(await noteTitles(desk)).toEqual([]); // nothing is applied before approval

    // The fingerprint the desk shows for the laptop is the one the laptop shows for itself.
    const onDesk = (await desk.call<ReplicasView>('replicas.list')).replicas;
    const onLaptop = (await laptop.call<ReplicasView>('replicas.list')).replicas;
    const laptopSeen = onDesk.find((r) => r.replica === laptop.uuid)!;
    expect(laptopSeen).toMatchObject({ state: 'pending', name: 'Laptop', isSelf: false, clockAhead: false });
    expect(onLaptop[0]).toMatchObject({ isSelf: true, state: 'self', fingerprint: laptopSeen.fingerprint });

    const wrong = laptopSeen.fingerprint!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect(await desk.fail('replicas.approve', { replica: laptop.uuid, fingerprint: wrong })).toMatchObject({ kind: 'invalid-input', field: 'fingerprint' });
    const approved = await desk.call<ReplicasView>('replicas.approve', { replica: laptop.uuid, fingerprint: laptopSeen.fingerprint });
    expect(approved.replicas.find((r) => r.replica === laptop.uuid)!.state).toBe('trusted');
    expect(desk.received('replicas.pending').at(-1)!.replicas).toEqual([]);

    await waitIdle(desk); // the approval starts a sync that applies the laptop's changes
    expect(await noteTitles(desk)).toEqual(['From the laptop']);
    // The desk joined with an empty log: after the last file, its progress says it indexes what came.
    const phases = desk.received('sync.progress').map((p) => p.phase);
    expect(phases.lastIndexOf('index')).toBeGreaterThan(phases.lastIndexOf('pull'));
    expect(desk.received('sync.progress').filter((p) => p.phase === 'index').map((p) => [p.done, p.total])).toEqual([[0, 1], [1, 1]]);
    const decided = desk.received('sync.finished').at(-1)!;
    expect(decided).toMatchObject({ databaseId: desk.id, run: { trigger: 'decision', ok: true, summary: { pulled: 1 } }, status: { pendingReplicas: 0 } });
    expect(desk.received('commit').some((c) => c.source === 'remote' && c.tables.includes('notes'))).toBe(true);
  });

  it('sends progress while it syncs, and keeps the last result', async () => {
    await laptop.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'x' } });
    await connect(laptop);
    await laptop.call('sync.now');
    const progress = laptop.received('sync.progress');
    expect(progress[0]).toMatchObject({ databaseId: laptop.id, phase: 'connecting', done: 0, trigger: 'manual' });
    expect(progress.some((p) => p.phase === 'push' && p.done === p.total && p.bytes > 0)).toBe(true);
    const status = await laptop.call<SyncStatus>('sync.status');
    expect(status).toMatchObject({ configured: true, progress: null, last: { ok: true, summary: { pushed: 1 } }, lastSuccess: expect.any(String) });
  });

  it('joins a sync that is already running instead of starting another', async () => {
    await connect(laptop);
    const [a, b] = await Promise.all([laptop.call<SyncRun>('sync.now'), laptop.call<SyncRun>('sync.now')]);
    expect(a).toEqual(b);
    expect(laptop.received('sync.finished')).toHaveLength(1);
  });

  it('records a failed sync with its typed error, and recovers', async () => {
    await laptop.call('remote.set', { remote: folderDraft(join(folder.path, 'disk')), encrypt: false });
    folder.cleanup(); // the USB disk is unplugged
    const error = await laptop.fail('sync.now');
    expect(error.kind).toBe('remote-not-found');
    const status = await laptop.call<SyncStatus>('sync.status');
    expect(status.last).toMatchObject({ ok: false, error: { kind: 'remote-not-found' } });
    expect(status.lastSuccess).toBeNull();
    await laptop.call('remote.set', { remote: folderDraft(join(createFolder().path, 'disk')), encrypt: false });
    expect((await laptop.call<SyncRun>('sync.now')).ok).toBe(true);
  });

  it('refuses to reject or revoke a replica it has never seen', async () => {
    await connect(laptop);
    await laptop.call('sync.now');
    expect(await laptop.fail('replicas.reject', { replica: desk.uuid })).toMatchObject({ kind: 'invalid-input', field: 'replica' });
    expect(await laptop.fail('replicas.revoke', { replica: laptop.uuid })).toMatchObject({ kind: 'invalid-input', field: 'replica' });
  });

  it('rejects a device: its changes never arrive, and the badge clears', async () => {
    await desk.call('rows.put', { table: 'notes', id: 'd1', values: { title: 'from desk' } });
    await connect(laptop, desk);
    await desk.call('sync.now');
    await laptop.call('sync.now');
    const view = await laptop.call<ReplicasView>('replicas.reject', { replica: desk.uuid });
    expect(view.replicas.find((r) => r.replica === desk.uuid)!.state).toBe('rejected');
    await waitIdle(laptop);
    expect(await noteTitles(laptop)).toEqual([]);
    expect((await laptop.call<SyncStatus>('sync.status')).pendingReplicas).toBe(0);
  });
});

describe('conflicts', () => {
  it('lists a concurrent edit with both values and settles it from the inbox', async () => {
    await trustEachOther();
    await laptop.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'Shared' } });
    await laptop.call('sync.now');
    await desk.call('sync.now');
    await laptop.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'Laptop says' } });
    await desk.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'Desk says' } });
    await laptop.call('sync.now');
    await desk.call('sync.now');

    const inbox = await desk.call<ConflictsView>('conflicts.list');
    expect(inbox.open).toBe(1);
    expect(inbox.conflicts[0]).toMatchObject({ table: 'notes', entityId: 'n1', attribute: 'title', mine: { value: '"Desk says"' }, theirs: { value: '"Laptop says"' }, resolvedBy: null });
    expect(inbox.authors).toEqual(expect.arrayContaining([{ uuid: laptop.uuid, name: 'Laptop', isSelf: false }, { uuid: desk.uuid, name: 'Desk', isSelf: true }]));
    expect((await desk.call<SyncStatus>('sync.status')).openConflicts).toBe(1);

    expect(await desk.fail('conflicts.resolve', { id: inbox.conflicts[0]!.id, keep: { value: 'not json' } })).toMatchObject({ kind: 'invalid-input', field: 'keep.value' });
    expect(await desk.fail('conflicts.resolve', { id: 9999, keep: 'mine' })).toMatchObject({ kind: 'invalid-input', field: 'id' });
    const written = await desk.call<WriteSummary>('conflicts.resolve', { id: inbox.conflicts[0]!.id, keep: { value: '"Both, merged"' } });
    expect(written.changes).toBe(1);
    expect(await noteTitles(desk)).toEqual(['Both, merged']);
    expect((await desk.call<ConflictsView>('conflicts.list')).open).toBe(0);
    expect((await desk.call<ConflictsView>('conflicts.list', { all: true })).conflicts[0]!.resolvedBy).toBe(written.transactionId);
    expect(await desk.fail('conflicts.resolve', { id: inbox.conflicts[0]!.id, keep: 'theirs' })).toMatchObject({ kind: 'invalid-input', message: expect.stringMatching(/already settled/) });
    expect(desk.received('databases.changed').at(-1)![0]).toMatchObject({ openConflicts: 0 });

    await desk.call('sync.now');
    await laptop.call('sync.now');
    expect(await noteTitles(laptop)).toEqual(['Both, merged']); // the choice is a change like any other
  });
});

describe('snapshot and gc', () => {
  it('publishes a snapshot, reports the remote’s size, and collects the batches it covers', async () => {
    await connect(laptop);
    for (const n of [1, 2, 3]) {
      await laptop.call('rows.put', { table: 'notes', id: `n${n}`, values: { title: `note ${n}` } });
      await laptop.call('sync.now');
    }
    const { run, snapshot } = await laptop.call<{ run: SyncRun; snapshot: { file: string; changes: number; time: number } }>('snapshot.publish');
    expect(run).toMatchObject({ ok: true, trigger: 'snapshot' });
    expect(snapshot.file).toMatch(/^snapshots\//);
    expect(snapshot.changes).toBeGreaterThan(0);
    expect(Math.abs(snapshot.time - Date.now())).toBeLessThan(60_000);
    expect((await laptop.call<SyncStatus>('sync.status')).snapshot).toEqual(snapshot);

    const kept = await laptop.call<StorageReport>('gc.plan');
    expect(kept.gc).toMatchObject({ count: 0, graceHours: 168, coveredUpTo: expect.any(String) }); // all younger than a week
    expect(kept.files).toBeGreaterThan(4);
    expect(kept.bytes).toBe(kept.breakdown.batches + kept.breakdown.snapshots + kept.breakdown.heads + kept.breakdown.other);
    const plan = await laptop.call<StorageReport>('gc.plan', { graceHours: 0 });
    expect(plan.gc.count).toBeGreaterThanOrEqual(3);
    expect(plan.gc.files.every((f) => f.key.startsWith(`batches/${laptop.uuid}/`))).toBe(true);

    const done = await laptop.call<{ deleted: number; bytes: number; report: StorageReport }>('gc.run', { graceHours: 0 });
    expect(done.deleted).toBe(plan.gc.count);
    expect(done.report.gc.count).toBe(0);
    expect(done.report.bytes).toBeLessThan(plan.bytes);

    // A new device still gets everything, from the snapshot.
    await connect(desk);
    await desk.call('sync.now');
    const fingerprint = (await desk.call<ReplicasView>('replicas.list')).replicas.find((r) => r.replica === laptop.uuid)!.fingerprint;
    await desk.call('replicas.approve', { replica: laptop.uuid, fingerprint });
    await waitIdle(desk);
    expect(await noteTitles(desk)).toEqual(['note 1', 'note 2', 'note 3']);
  });
});

describe('automatic sync', () => {
  it('defaults to on change and every 5 minutes for a folder, and keeps the person’s choice', async () => {
    await connect(laptop);
    expect(await laptop.call<SyncStatus>('sync.status')).toMatchObject({ settings: { intervalMinutes: 5, onChange: true }, defaultSettings: true });
    const set = await laptop.call<SyncStatus>('sync.settings', { intervalMinutes: null, onChange: false });
    expect(set).toMatchObject({ settings: { intervalMinutes: null, onChange: false }, defaultSettings: false, nextAt: null });
    const state = JSON.parse((await import('node:fs')).readFileSync(join(laptop.app.dir, 'data', 'app-state.json'), 'utf8'));
    expect(state.databases[0].sync).toEqual({ intervalMinutes: null, onChange: false });
  });

  it('syncs a moment after a local change, and when another device writes to the folder', async () => {
    const a = await createDevice('A', { autoSync: { enabled: true, debounceMs: 30, startupDelayMs: 60_000 } });
    const b = await createDevice('B', { autoSync: { enabled: true, debounceMs: 30, startupDelayMs: 60_000 } });
    try {
      await connect(a, b);
      expect((await a.call<SyncStatus>('sync.status')).nextAt).toBeGreaterThan(Date.now());
      await b.call('sync.now'); // b's head is in the folder; its replicas/ folder exists for a's watcher
      await a.call('sync.now');
      await a.call('rows.put', { table: 'notes', id: 'x', values: { title: 'typed' } });
      await expect.poll(() => a.received('sync.finished').some((f) => f.run.trigger === 'change' && f.run.summary?.pushed === 1), { timeout: 5000 }).toBe(true);
      // a's head changed in the folder: b notices without anyone asking.
      await expect.poll(() => b.received('sync.finished').some((f) => f.run.trigger === 'remote-change'), { timeout: 5000 }).toBe(true);
    } finally {
      a.app.cleanup();
      b.app.cleanup();
    }
  });
});

describe('hints for a window', () => {
  it.each([
    ['Check the access key id and secret (tidemark credentials <db>) and that they may use this bucket', /Sync → Change…/],
    ["Check that device's date and time. If its changes are right, accept them: tidemark accept-clock <db> 0190", /accept them on the Devices tab$/],
    ['Choose where to sync: tidemark remote /x/y.db <folder or s3://bucket/prefix>', /^Choose a folder or an S3 bucket on the Sync tab\.$/],
    ['Sync first, then pick an id from `tidemark replicas <db>`.', /^Sync, then choose it on the Devices tab\.$/],
    ['Track it first: tidemark track <db> notes', /Tables tab/],
  ])('rewrites "%s"', (hint, expected) => {
    expect(appHint(hint)).toMatch(expected);
    expect(appHint(hint)).not.toMatch(/tidemark (credentials|accept-clock|remote|replicas|track) /);
  });
});
