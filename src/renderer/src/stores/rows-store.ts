// Rows of one table, loaded page by page as the grid scrolls (keyset paging
// in main). A commit that touches the table reloads what is on screen.

import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../shared/bridge';
import type { ColumnInfo, RowData, WriteSummary } from '../../../shared/app-types';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import { coalesce } from './coalesce';
import { detailOf } from './errors';

export const ROWS_PAGE = 200;
const MAX_RELOAD = 1000;

export interface RowsState {
  databaseId: string | null;
  table: string | null;
  columns: ColumnInfo[];
  rows: RowData[];
  next: string | null;
  total: number | null;
  editable: boolean;
  loading: boolean;
  error: TidemarkErrorDetail | null;
  open(databaseId: string | null, table: string | null): Promise<void>;
  loadMore(): Promise<void>;
  reload(): Promise<void>;
  put(id: string, values: Record<string, string | number | boolean | null>): Promise<WriteSummary>;
  remove(ids: string[]): Promise<WriteSummary>;
}

const empty = { columns: [], rows: [], next: null, total: null, editable: false, error: null };

export function createRowsStore(api: Api) {
  let generation = 0; // answers for a table no longer shown are dropped
  const store = createStore<RowsState>()((set, get) => ({
    databaseId: null,
    table: null,
    ...empty,
    loading: false,
    async open(databaseId, table) {
      if (databaseId === get().databaseId && table === get().table) return;
      generation += 1;
      set({ databaseId, table, ...empty, loading: Boolean(databaseId && table) });
      if (databaseId && table) await reload();
    },
    async loadMore() {
      const { databaseId, table, next, loading } = get();
      if (!databaseId || !table || !next || loading) return;
      const mine = generation;
      set({ loading: true });
      try {
        const page = await api.rows.page({ databaseId, table, after: next, limit: ROWS_PAGE });
        if (mine !== generation) return;
        set((s) => ({ rows: [...s.rows, ...page.rows], next: page.next, loading: false }));
      } catch (error) {
        if (mine === generation) set({ loading: false, error: detailOf(error) });
      }
    },
    reload: () => reload(),
    async put(id, values) {
      const { databaseId, table } = get();
      const result = await api.rows.put({ databaseId: databaseId!, table: table!, id, values });
      await reload(); // the commit event reloads too; this makes the answer visible at once
      return result;
    },
    async remove(ids) {
      const { databaseId, table } = get();
      const result = await api.rows.delete({ databaseId: databaseId!, table: table!, ids });
      await reload();
      return result;
    },
  }));

  const reload = coalesce(async () => {
    const { databaseId, table, rows } = store.getState();
    if (!databaseId || !table) return;
    const mine = generation;
    const limit = Math.min(MAX_RELOAD, Math.max(ROWS_PAGE, rows.length));
    try {
      const page = await api.rows.page({ databaseId, table, limit });
      if (mine !== generation) return;
      store.setState({ columns: page.columns, rows: page.rows, next: page.next, total: page.total, editable: page.editable, loading: false, error: null });
    } catch (error) {
      if (mine === generation) store.setState({ loading: false, error: detailOf(error) });
    }
  });
  return store;
}

export type RowsStore = ReturnType<typeof createRowsStore>;
