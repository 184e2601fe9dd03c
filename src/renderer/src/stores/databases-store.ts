// The databases the app lists, and the app's own info. Fed by the
// `databases.changed` event, so another window's change shows up here too.

import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../shared/bridge';
import type { AppInfo, DatabaseSummary } from '../../../shared/app-types';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import { detailOf } from './errors';

export interface DatabasesState {
  info: AppInfo | null;
  databases: DatabaseSummary[];
  loaded: boolean;
  error: TidemarkErrorDetail | null;
  load(): Promise<void>;
  create(path: string, replicaName?: string): Promise<DatabaseSummary>;
  open(path: string): Promise<DatabaseSummary>;
  remove(id: string): Promise<void>;
  setReplicaName(id: string, name: string): Promise<void>;
  /** From the pushed event. */
  received(databases: DatabaseSummary[]): void;
  /** A pushed event changed one database's badges before the list arrives. */
  patch(id: string, changes: Partial<Pick<DatabaseSummary, 'pendingReplicas' | 'openConflicts'>>): void;
}

export function createDatabasesStore(api: Api) {
  return createStore<DatabasesState>()((set) => ({
    info: null,
    databases: [],
    loaded: false,
    error: null,
    async load() {
      try {
        const [info, databases] = await Promise.all([api.app.info(), api.databases.list()]);
        set({ info, databases, loaded: true, error: null });
      } catch (error) {
        set({ loaded: true, error: detailOf(error) });
      }
    },
    // Mutations update the list from their answer; the event brings the same list.
    async create(path, replicaName) {
      const created = await api.databases.create({ path, replicaName });
      set((s) => ({ databases: upsert(s.databases, created) }));
      return created;
    },
    async open(path) {
      const opened = await api.databases.open({ path });
      set((s) => ({ databases: upsert(s.databases, opened) }));
      return opened;
    },
    async remove(id) {
      await api.databases.remove({ databaseId: id });
      set((s) => ({ databases: s.databases.filter((d) => d.id !== id) }));
    },
    async setReplicaName(id, name) {
      const renamed = await api.databases.setReplicaName({ databaseId: id, name });
      set((s) => ({ databases: upsert(s.databases, renamed) }));
    },
    received: (databases) => set({ databases, loaded: true }),
    patch: (id, changes) => set((s) => ({ databases: s.databases.map((d) => (d.id === id ? { ...d, ...changes } : d)) })),
  }));
}

function upsert(list: DatabaseSummary[], item: DatabaseSummary): DatabaseSummary[] {
  return list.some((d) => d.id === item.id) ? list.map((d) => (d.id === item.id ? item : d)) : [...list, item];
}

export type DatabasesStore = ReturnType<typeof createDatabasesStore>;
