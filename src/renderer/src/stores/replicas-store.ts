// The Devices tab: every replica of the selected database with its state and
// fingerprint, and the person's decisions about them. Loaded when the tab is
// first shown, then kept fresh by `sync.finished` and `replicas.pending`.

import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../shared/bridge';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import type { ReplicasView, ReplicaView } from '../../../shared/sync-types';
import { coalesce } from './coalesce';
import { detailOf } from './errors';

export interface ReplicasState {
  databaseId: string | null;
  replicas: ReplicaView[];
  /** The list was asked for at least once for this database (events only refresh a loaded list). */
  wanted: boolean;
  loading: boolean;
  error: TidemarkErrorDetail | null;
  open(databaseId: string | null): void;
  load(): Promise<void>;
  reload(): Promise<void>;
  approve(replica: string, fingerprint: string): Promise<void>;
  reject(replica: string): Promise<void>;
  revoke(replica: string): Promise<void>;
  acceptClock(replica: string): Promise<void>;
}

export function createReplicasStore(api: Api) {
  const store = createStore<ReplicasState>()((set, get) => {
    const decide = async (call: (databaseId: string) => Promise<ReplicasView>) => {
      const databaseId = get().databaseId!;
      const view = await call(databaseId);
      if (get().databaseId === databaseId) set({ replicas: view.replicas, error: null });
    };
    return {
      databaseId: null,
      replicas: [],
      wanted: false,
      loading: false,
      error: null,
      open(databaseId) {
        if (databaseId === get().databaseId) return;
        set({ databaseId, replicas: [], wanted: false, loading: false, error: null });
      },
      async load() {
        if (!get().databaseId) return;
        if (!get().wanted) set({ wanted: true, loading: true });
        await reload();
      },
      reload: () => (get().wanted ? reload() : Promise.resolve()),
      approve: (replica, fingerprint) => decide((databaseId) => api.replicas.approve({ databaseId, replica, fingerprint })),
      reject: (replica) => decide((databaseId) => api.replicas.reject({ databaseId, replica })),
      revoke: (replica) => decide((databaseId) => api.replicas.revoke({ databaseId, replica })),
      acceptClock: (replica) => decide((databaseId) => api.replicas.acceptClock({ databaseId, replica })),
    };
  });
  const reload = coalesce(async () => {
    const databaseId = store.getState().databaseId;
    if (!databaseId) return;
    try {
      const view = await api.replicas.list({ databaseId });
      if (store.getState().databaseId === databaseId) store.setState({ replicas: view.replicas, loading: false, error: null });
    } catch (error) {
      if (store.getState().databaseId === databaseId) store.setState({ loading: false, error: detailOf(error) });
    }
  });
  return store;
}

export type ReplicasStore = ReturnType<typeof createReplicasStore>;
