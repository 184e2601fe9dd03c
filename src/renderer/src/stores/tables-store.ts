// Tables of the selected database, with what tracking them means. Reloaded
// when a commit touches the database (row and change counts move).

import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../shared/bridge';
import type { TableSummary } from '../../../shared/app-types';
import type { InputArg } from '../../../shared/contract';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import { coalesce } from './coalesce';
import { detailOf } from './errors';

export interface TablesState {
  databaseId: string | null;
  tables: TableSummary[];
  loading: boolean;
  error: TidemarkErrorDetail | null;
  open(databaseId: string | null): Promise<void>;
  reload(): Promise<void>;
  track(tables: string[]): Promise<{ table: string; changes: number }[]>;
  untrack(table: string): Promise<void>;
  create(table: NewTableInput): Promise<void>;
}

export type NewTableInput = Omit<InputArg<'tables.create'>, 'databaseId'>;

export function createTablesStore(api: Api) {
  const store = createStore<TablesState>()((set, get) => ({
    databaseId: null,
    tables: [],
    loading: false,
    error: null,
    async open(databaseId) {
      if (databaseId === get().databaseId) return;
      set({ databaseId, tables: [], error: null, loading: databaseId !== null });
      if (databaseId) await reload();
    },
    reload: () => reload(),
    async track(tables) {
      const databaseId = get().databaseId!;
      const result = await api.tables.track({ databaseId, tables });
      await reload();
      return result;
    },
    async create(table) {
      await api.tables.create({ ...table, databaseId: get().databaseId! });
      await reload();
    },
    async untrack(table) {
      await api.tables.untrack({ databaseId: get().databaseId!, table });
      await reload();
    },
  }));
  const reload = coalesce(async () => {
    const databaseId = store.getState().databaseId;
    if (!databaseId) return;
    try {
      const tables = await api.tables.list({ databaseId });
      if (store.getState().databaseId === databaseId) store.setState({ tables, loading: false, error: null });
    } catch (error) {
      if (store.getState().databaseId === databaseId) store.setState({ loading: false, error: detailOf(error) });
    }
  });
  return store;
}

export type TablesStore = ReturnType<typeof createTablesStore>;
