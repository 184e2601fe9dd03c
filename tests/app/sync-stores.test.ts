// The sync, replicas and conflicts stores over the real gate and engine, fed
// by the real pushed events: two devices, one folder, no mocks.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStores, type Stores } from '../../src/renderer/src/stores';
import { encodeLike } from '../../src/renderer/src/stores/conflicts-store';
import type { SyncProgressNotice } from '../../src/shared/sync-types';
import { createDevice, createFolder, noteTitles, type Device } from './sync-fixture';

let laptop: Device;
let desk: Device;
let stores: Stores; // the desk's window
let folder: ReturnType<typeof createFolder>;

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(async () => {
  folder = createFolder();
  laptop = await createDevice('Laptop');
  desk = await createDevice('Desk');
  stores = createStores(desk.app.api);
  await stores.databases.getState().load();
  stores.ui.getState().selectDatabase(desk.id);
  await settle();
});
afterEach(() => {
  stores.dispose();
  laptop.app.cleanup();
  desk.app.cleanup();
  folder.cleanup();
});

describe('sync store', () => {
  it('sets a remote, syncs with live progress, and keeps the result', async () => {
    const sync = stores.sync;
    expect(sync.getState()).toMatchObject({ databaseId: desk.id, loading: false, remote: { remote: null } });
    await sync.getState().saveRemote({ kind: 'folder', path: folder.path }, false, null);
    expect(sync.getState().remote!.remote).toMatchObject({ kind: 'folder', url: folder.path });
    expect(sync.getState().status).toMatchObject({ configured: true, last: null });

    const seen: Array<SyncProgressNotice | null> = [];
    const stop = sync.subscribe((s) => seen.push(s.progress));
    const run = await sync.getState().syncNow();
    await settle();
    stop();
    expect(run.ok).toBe(true);
    expect(seen.some((p) => p?.phase === 'connecting')).toBe(true);
    expect(sync.getState().progress).toBeNull();
    expect(sync.getState().status!.last).toMatchObject({ ok: true, trigger: 'manual' });
  });

  it('shows a settings change at once and keeps what main saved', async () => {
    await stores.sync.getState().saveRemote({ kind: 'folder', path: folder.path }, false, null);
    const saving = stores.sync.getState().setSettings({ intervalMinutes: 15, onChange: false });
    expect(stores.sync.getState().status!.settings).toEqual({ intervalMinutes: 15, onChange: false });
    await saving;
    expect(stores.sync.getState().status).toMatchObject({ settings: { intervalMinutes: 15, onChange: false }, defaultSettings: false });
  });

  it('reports storage, and rejects with the typed error when there is no remote', async () => {
    await stores.sync.getState().checkStorage();
    expect(stores.sync.getState().storageError).toMatchObject({ kind: 'remote-not-configured' });
    await stores.sync.getState().saveRemote({ kind: 'folder', path: folder.path }, false, null);
    await stores.sync.getState().syncNow();
    await stores.sync.getState().checkStorage();
    expect(stores.sync.getState().storage).toMatchObject({ files: expect.any(Number), gc: { count: 0 } });
  });
});

describe('replicas and conflicts stores', () => {
  it('badges a pending device, tells the person once, approves it, and settles a conflict', async () => {
    for (const d of [laptop, desk]) await d.call('remote.set', { remote: { kind: 'folder', path: folder.path }, encrypt: false });
    await laptop.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'Original' } });
    await laptop.call('sync.now');
    await stores.sync.getState().syncNow();
    await settle();
    expect(stores.databases.getState().databases[0]).toMatchObject({ pendingReplicas: 1 });
    expect(stores.ui.getState().notices.filter((n) => n.tone === 'info')).toHaveLength(1);
    await stores.sync.getState().syncNow(); // still pending: no second notice
    await settle();
    expect(stores.ui.getState().notices.filter((n) => n.tone === 'info')).toHaveLength(1);

    await stores.replicas.getState().load();
    const pending = stores.replicas.getState().replicas.find((r) => r.state === 'pending')!;
    expect(pending).toMatchObject({ name: 'Laptop', replica: laptop.uuid });
    await stores.replicas.getState().approve(pending.replica, pending.fingerprint!);
    await desk.app.service.sync.exclusive(desk.id, async () => {});
    await settle();
    expect(stores.replicas.getState().replicas.find((r) => r.replica === laptop.uuid)!.state).toBe('trusted');
    expect(stores.databases.getState().databases[0]!.pendingReplicas).toBe(0);
    expect(await noteTitles(desk)).toEqual(['Original']);

    // Both edit the same title before syncing.
    await laptop.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'Laptop' } });
    await desk.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'Desk' } });
    await laptop.call('sync.now');
    await stores.conflicts.getState().load();
    expect(stores.conflicts.getState().view!.open).toBe(0);
    await stores.sync.getState().syncNow();
    await settle();
    expect(stores.conflicts.getState().view!.open).toBe(1); // refreshed by sync.finished
    const conflict = stores.conflicts.getState().view!.conflicts[0]!;
    await stores.conflicts.getState().resolve(conflict.id, 'theirs');
    expect(stores.conflicts.getState().view!.open).toBe(0);
    await stores.conflicts.getState().setShowSettled(true);
    expect(stores.conflicts.getState().view!.conflicts).toHaveLength(1);
    expect(await noteTitles(desk)).toEqual(['Laptop']);
  });
});

describe('a new value for a conflict', () => {
  it.each([
    ['text', '"old"', 'new text', '"new text"'],
    ['a number that replaces a number', '42', '43', '43'],
    ['text that replaces a number', '42', 'forty', '"forty"'],
    ['a digit string in a text column', '"007"', '8', '"8"'],
    ['JSON over NULL', 'null', '12', '12'],
    ['text over NULL', 'null', 'hello', '"hello"'],
  ])('keeps the kind: %s', (_name, like, typed, expected) => {
    expect(encodeLike(typed, like)).toBe(expected);
  });
});
