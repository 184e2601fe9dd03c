// The Conflicts tab: concurrent edits of the selected database, open ones
// first (or all, settled included), and settling one with mine, theirs or a
// new value. Refreshed after syncs and remote commits once the tab was shown.

import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../shared/bridge';
import type { WriteSummary } from '../../../shared/app-types';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import type { ConflictsView } from '../../../shared/sync-types';
import { showValue } from '../../../shared/value-format';
import { coalesce } from './coalesce';
import { detailOf } from './errors';

export type Keep = 'mine' | 'theirs' | { value: string };

export interface ConflictsState {
  databaseId: string | null;
  view: ConflictsView | null;
  showSettled: boolean;
  wanted: boolean;
  loading: boolean;
  error: TidemarkErrorDetail | null;
  open(databaseId: string | null): void;
  load(): Promise<void>;
  reload(): Promise<void>;
  setShowSettled(all: boolean): Promise<void>;
  resolve(id: number, keep: Keep): Promise<WriteSummary>;
}

export function createConflictsStore(api: Api) {
  const store = createStore<ConflictsState>()((set, get) => ({
    databaseId: null,
    view: null,
    showSettled: false,
    wanted: false,
    loading: false,
    error: null,
    open(databaseId) {
      if (databaseId === get().databaseId) return;
      set({ databaseId, view: null, wanted: false, loading: false, error: null });
    },
    async load() {
      if (!get().databaseId) return;
      if (!get().wanted) set({ wanted: true, loading: true });
      await reload();
    },
    reload: () => (get().wanted ? reload() : Promise.resolve()),
    async setShowSettled(showSettled) {
      set({ showSettled });
      await reload();
    },
    async resolve(id, keep) {
      const written = await api.conflicts.resolve({ databaseId: get().databaseId!, id, keep });
      await reload();
      return written;
    },
  }));
  const reload = coalesce(async () => {
    const { databaseId, showSettled } = store.getState();
    if (!databaseId) return;
    try {
      const view = await api.conflicts.list({ databaseId, all: showSettled });
      const now = store.getState();
      if (now.databaseId === databaseId && now.showSettled === showSettled) store.setState({ view, loading: false, error: null });
    } catch (error) {
      if (store.getState().databaseId === databaseId) store.setState({ loading: false, error: detailOf(error) });
    }
  });
  return store;
}

export type ConflictsStore = ReturnType<typeof createConflictsStore>;

/** What the person typed, as JSON of the same kind as the value it replaces. */
export function encodeLike(text: string, like: string | null): string {
  const kind = showValue(like).kind;
  const numeric = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text.trim());
  if ((kind === 'integer' || kind === 'real') && numeric) return text.trim();
  if (kind === 'text') return JSON.stringify(text);
  try {
    JSON.parse(text);
    return text.trim();
  } catch {
    return JSON.stringify(text);
  }
}
