// The Sync tab's state for the selected database: its remote (never a
// secret: credentials are only "set" or not), the sync status with live
// progress from `sync.progress` events, and the remote's storage report.

import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../shared/bridge';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import type {
  RemoteDraft,
  RemoteTestResult,
  RemoteView,
  StorageReport,
  SyncFinishedNotice,
  SyncProgressNotice,
  SyncRun,
  SyncSettings,
  SyncStatus,
} from '../../../shared/sync-types';
import { detailOf } from './errors';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SyncState {
  databaseId: string | null;
  remote: RemoteView | null;
  status: SyncStatus | null;
  /** The sync running now (from events; also set while our own call runs). */
  progress: SyncProgressNotice | null;
  loading: boolean;
  error: TidemarkErrorDetail | null;
  storage: StorageReport | null;
  storageBusy: boolean;
  storageError: TidemarkErrorDetail | null;
  open(databaseId: string | null): Promise<void>;
  reload(): Promise<void>;
  /** Saves the remote and, when typed, its keys (straight to the keychain). */
  saveRemote(draft: RemoteDraft, encrypt: boolean, credentials: Credentials | null): Promise<void>;
  testRemote(draft?: RemoteDraft, credentials?: Credentials | null): Promise<RemoteTestResult>;
  syncNow(): Promise<SyncRun>;
  setSettings(settings: SyncSettings): Promise<void>;
  publishSnapshot(): Promise<void>;
  checkStorage(graceHours?: number): Promise<void>;
  collectGarbage(graceHours?: number): Promise<{ deleted: number; bytes: number }>;
  /** From the pushed events. */
  progressed(notice: SyncProgressNotice): void;
  finished(notice: SyncFinishedNotice): void;
}

const empty = { remote: null, status: null, progress: null, error: null, storage: null, storageBusy: false, storageError: null };

export function createSyncStore(api: Api) {
  let generation = 0; // answers for a database no longer shown are dropped
  const store = createStore<SyncState>()((set, get) => {
    const current = () => {
      const id = get().databaseId;
      if (!id) throw new Error('No database is open');
      return id;
    };
    return {
      databaseId: null,
      ...empty,
      loading: false,
      async open(databaseId) {
        if (databaseId === get().databaseId) return;
        generation += 1;
        set({ databaseId, ...empty, loading: databaseId !== null });
        if (databaseId) await get().reload();
      },
      async reload() {
        const databaseId = get().databaseId;
        if (!databaseId) return;
        const mine = generation;
        try {
          const [remote, status] = await Promise.all([api.remote.get({ databaseId }), api.sync.status({ databaseId })]);
          if (mine === generation) set({ remote, status, progress: status.progress, loading: false, error: null });
        } catch (error) {
          if (mine === generation) set({ loading: false, error: detailOf(error) });
        }
      },
      async saveRemote(draft, encrypt, credentials) {
        const databaseId = current();
        let remote = await api.remote.set({ databaseId, remote: draft, encrypt });
        if (credentials) remote = await api.remote.setCredentials({ databaseId, ...credentials });
        const status = await api.sync.status({ databaseId });
        if (get().databaseId === databaseId) set({ remote, status, storage: null });
      },
      testRemote: (draft, credentials) => api.remote.test({ databaseId: current(), draft, credentials: credentials ?? undefined }),
      async syncNow() {
        const databaseId = current();
        try {
          return await api.sync.now({ databaseId });
        } finally {
          // The finished event brings the status too; this covers a window that missed it.
          if (get().databaseId === databaseId) void get().reload();
        }
      },
      async setSettings(settings) {
        const databaseId = current();
        const before = get().status;
        // Shown at once (a checkbox must not bounce back while main saves it); undone if refused.
        if (before) set({ status: { ...before, settings, defaultSettings: false } });
        try {
          const status = await api.sync.settings({ databaseId, ...settings });
          if (get().databaseId === databaseId) set({ status });
        } catch (error) {
          if (get().databaseId === databaseId && before) set({ status: before });
          throw error;
        }
      },
      async publishSnapshot() {
        const databaseId = current();
        await api.snapshot.publish({ databaseId });
        if (get().databaseId === databaseId && get().storage) void get().checkStorage(get().storage!.gc.graceHours);
      },
      async checkStorage(graceHours) {
        const databaseId = current();
        set({ storageBusy: true, storageError: null });
        try {
          const storage = await api.gc.plan({ databaseId, graceHours });
          if (get().databaseId === databaseId) set({ storage, storageBusy: false });
        } catch (error) {
          if (get().databaseId === databaseId) set({ storageBusy: false, storageError: detailOf(error) });
        }
      },
      async collectGarbage(graceHours) {
        const databaseId = current();
        set({ storageBusy: true, storageError: null });
        try {
          const { deleted, bytes, report } = await api.gc.run({ databaseId, graceHours });
          if (get().databaseId === databaseId) set({ storage: report, storageBusy: false });
          return { deleted, bytes };
        } catch (error) {
          if (get().databaseId === databaseId) set({ storageBusy: false, storageError: detailOf(error) });
          throw error;
        }
      },
      progressed(notice) {
        if (notice.databaseId === get().databaseId) set({ progress: notice });
      },
      finished(notice) {
        if (notice.databaseId !== get().databaseId) return;
        set({ status: notice.status, progress: null });
        // A first sync learns the dataset (and whether it is encrypted): refresh the remote line.
        if (!get().remote?.remote?.datasetUuid) void get().reload();
      },
    };
  });
  return store;
}

export type SyncStore = ReturnType<typeof createSyncStore>;
