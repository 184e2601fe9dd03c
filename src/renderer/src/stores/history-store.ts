// The history screen's state: transactions newest first, loaded a page at a
// time by cursor (never the whole log), the selected transaction's changes,
// an entity's timeline, and a revert in progress. New commits are prepended
// from the pushed `commit` event; nothing polls.

import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../shared/bridge';
import type {
  AuthorInfo,
  EntityTimeline,
  HistoryFilter,
  RevertPlan,
  TransactionDetail,
  TransactionSummary,
  WriteSummary,
} from '../../../shared/app-types';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import { coalesce } from './coalesce';
import { detailOf } from './errors';

export const HISTORY_PAGE = 100;

export interface TimelineState {
  table: string;
  entityId: string;
  data: EntityTimeline | null;
  loading: boolean;
  error: TidemarkErrorDetail | null;
}

export interface RevertState {
  transactionId: string;
  plan: RevertPlan | null;
  applying: boolean;
  error: TidemarkErrorDetail | null;
}

export interface HistoryState {
  databaseId: string | null;
  filter: HistoryFilter;
  transactions: TransactionSummary[];
  next: string | null;
  /** While a filtered search is still walking back: how far it got. */
  searchedTo: number | null;
  loading: boolean;
  /** At least one page has arrived for the current filter. */
  loaded: boolean;
  error: TidemarkErrorDetail | null;
  authors: AuthorInfo[];
  selectedId: string | null;
  detail: TransactionDetail | null;
  detailError: TidemarkErrorDetail | null;
  timeline: TimelineState | null;
  revert: RevertState | null;
  open(databaseId: string | null): Promise<void>;
  setFilter(filter: HistoryFilter): Promise<void>;
  loadMore(): Promise<void>;
  select(transactionId: string | null): Promise<void>;
  openTimeline(table: string, entityId: string): Promise<void>;
  closeTimeline(): void;
  planRevert(transactionId: string): Promise<void>;
  cancelRevert(): void;
  confirmRevert(): Promise<WriteSummary | null>;
  /** From the pushed `commit` event for this database. */
  committed(tables: string[], source: 'local' | 'remote'): Promise<void>;
}

/** Drops empty filter fields so "no filter" has one shape. */
export function cleanFilter(filter: HistoryFilter): HistoryFilter {
  const clean: HistoryFilter = {};
  for (const [key, value] of Object.entries(filter) as [keyof HistoryFilter, unknown][]) {
    if (value === undefined || value === '' || value === null) continue;
    (clean as Record<string, unknown>)[key] = value;
  }
  return clean;
}

const reset = { transactions: [], next: null, searchedTo: null, loaded: false, error: null, selectedId: null, detail: null, detailError: null };

export function createHistoryStore(api: Api) {
  let generation = 0; // bumps when the database or filter changes: late pages are dropped
  const store = createStore<HistoryState>()((set, get) => ({
    databaseId: null,
    filter: {},
    ...reset,
    loading: false,
    authors: [],
    timeline: null,
    revert: null,
    async open(databaseId) {
      if (databaseId === get().databaseId) return;
      generation += 1;
      set({ databaseId, filter: {}, ...reset, authors: [], timeline: null, revert: null, loading: false });
      if (!databaseId) return;
      void loadAuthors(databaseId);
      await get().loadMore();
    },
    async setFilter(filter) {
      generation += 1;
      set({ filter: cleanFilter(filter), ...reset, loading: false });
      await get().loadMore();
    },
    async loadMore() {
      const { databaseId, loading, loaded, next } = get();
      if (!databaseId || loading || (loaded && next === null)) return;
      const mine = generation;
      set({ loading: true });
      let gathered = 0;
      try {
        // A filtered page may stop early (bounded work in main); keep asking
        // until a page's worth is found or the log ends. Each call yields.
        for (;;) {
          const { filter, next: before } = get();
          const page = await api.history.transactions({ databaseId, filter, before: before ?? undefined, limit: HISTORY_PAGE });
          if (mine !== generation) return;
          gathered += page.transactions.length;
          set((s) => ({ transactions: [...s.transactions, ...page.transactions], next: page.next, searchedTo: page.searchedTo, loaded: true }));
          if (page.searchedTo === null || page.next === null || gathered >= HISTORY_PAGE) break;
        }
        set({ loading: false, searchedTo: null });
      } catch (error) {
        if (mine === generation) set({ loading: false, error: detailOf(error) });
      }
    },
    async select(transactionId) {
      const databaseId = get().databaseId;
      set({ selectedId: transactionId, detail: null, detailError: null });
      if (!databaseId || !transactionId) return;
      try {
        const detail = await api.history.transaction({ databaseId, transactionId });
        if (get().selectedId === transactionId) set({ detail });
      } catch (error) {
        if (get().selectedId === transactionId) set({ detailError: detailOf(error) });
      }
    },
    async openTimeline(table, entityId) {
      set({ timeline: { table, entityId, data: null, loading: true, error: null } });
      await reloadTimeline();
    },
    closeTimeline: () => set({ timeline: null }),
    async planRevert(transactionId) {
      const databaseId = get().databaseId!;
      set({ revert: { transactionId, plan: null, applying: false, error: null } });
      try {
        const plan = await api.history.planRevert({ databaseId, transactionId });
        if (get().revert?.transactionId === transactionId) set({ revert: { transactionId, plan, applying: false, error: null } });
      } catch (error) {
        if (get().revert?.transactionId === transactionId) set({ revert: { transactionId, plan: null, applying: false, error: detailOf(error) } });
      }
    },
    cancelRevert: () => set({ revert: null }),
    async confirmRevert() {
      const { databaseId, revert } = get();
      if (!databaseId || !revert?.plan) return null;
      set({ revert: { ...revert, applying: true, error: null } });
      try {
        const result = await api.history.revert({
          databaseId,
          transactionId: revert.transactionId,
          overwriteChangedSince: revert.plan.changedSince > 0, // the dialog showed them
        });
        set({ revert: null });
        return result;
      } catch (error) {
        set({ revert: { ...revert, applying: false, error: detailOf(error) } });
        return null;
      }
    },
    async committed(tables, source) {
      const { databaseId, timeline } = get();
      if (!databaseId) return;
      if (source === 'remote') void loadAuthors(databaseId);
      if (timeline && tables.includes(timeline.table)) void reloadTimeline();
      await prependNewer();
    },
  }));

  async function loadAuthors(databaseId: string) {
    try {
      const authors = await api.history.authors({ databaseId });
      if (store.getState().databaseId === databaseId) store.setState({ authors });
    } catch {
      // the author filter just stays short; the list itself shows the error
    }
  }

  const reloadTimeline = coalesce(async () => {
    const { databaseId, timeline } = store.getState();
    if (!databaseId || !timeline) return;
    const { table, entityId } = timeline;
    const current = () => store.getState().timeline;
    try {
      const data = await api.history.entity({ databaseId, table, entityId });
      if (current()?.table === table && current()?.entityId === entityId) store.setState({ timeline: { table, entityId, data, loading: false, error: null } });
    } catch (error) {
      if (current()?.table === table && current()?.entityId === entityId) store.setState({ timeline: { table, entityId, data: null, loading: false, error: detailOf(error) } });
    }
  });

  const prependNewer = coalesce(async () => {
    const { databaseId, filter, loaded } = store.getState();
    if (!databaseId || !loaded) return;
    const mine = generation;
    try {
      const page = await api.history.transactions({ databaseId, filter, limit: HISTORY_PAGE });
      if (mine !== generation) return;
      const top = store.getState().transactions[0]?.id ?? '';
      const newer = page.transactions.filter((t) => t.id > top);
      if (newer.length === 0) return;
      if (newer.length === page.transactions.length && page.next !== null) {
        // More arrived than a page: start over from the newest rather than leave a gap.
        store.setState({ transactions: page.transactions, next: page.next, searchedTo: null });
      } else {
        store.setState((s) => ({ transactions: [...newer, ...s.transactions] }));
      }
    } catch {
      // the next commit or a scroll tries again
    }
  });

  return store;
}

export type HistoryStore = ReturnType<typeof createHistoryStore>;
