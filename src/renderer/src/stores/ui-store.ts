// Which database and tab are shown, and the short notices ("Reverted 3
// changes"). The last choice survives a reload through the storage given
// (localStorage in the app, nothing in tests).

import { createStore } from 'zustand/vanilla';
import type { TidemarkErrorDetail } from '../../../shared/errors';

export type Tab = 'tables' | 'data' | 'history' | 'sync' | 'devices' | 'conflicts';
export const TABS: Tab[] = ['tables', 'data', 'history', 'sync', 'devices', 'conflicts'];

export interface Notice {
  id: number;
  tone: 'success' | 'error' | 'info';
  text: string;
  detail?: TidemarkErrorDetail;
}

export interface UiState {
  databaseId: string | null;
  tab: Tab;
  /** The table the Data tab shows, per database. */
  tableByDatabase: Record<string, string>;
  notices: Notice[];
  dialog: 'new-database' | 'open-database' | null;
  openDialog(dialog: UiState['dialog']): void;
  selectDatabase(id: string | null): void;
  setTab(tab: Tab): void;
  selectTable(databaseId: string, table: string): void;
  notify(notice: Omit<Notice, 'id'>): void;
  dismiss(id: number): void;
}

export interface UiStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const KEY = 'tidemark.ui';

export function createUiStore(storage?: UiStorage) {
  let saved: Partial<Pick<UiState, 'databaseId' | 'tab' | 'tableByDatabase'>> = {};
  try {
    saved = JSON.parse(storage?.getItem(KEY) ?? '{}') as typeof saved;
  } catch {
    saved = {};
  }
  let nextId = 1;
  const store = createStore<UiState>()((set) => ({
    databaseId: saved.databaseId ?? null,
    tab: TABS.includes(saved.tab as Tab) ? (saved.tab as Tab) : 'tables',
    tableByDatabase: saved.tableByDatabase ?? {},
    notices: [],
    dialog: null,
    openDialog: (dialog) => set({ dialog }),
    selectDatabase: (databaseId) => set({ databaseId }),
    setTab: (tab) => set({ tab }),
    selectTable: (databaseId, table) => set((s) => ({ tableByDatabase: { ...s.tableByDatabase, [databaseId]: table } })),
    notify: (notice) => set((s) => ({ notices: [...s.notices.slice(-2), { ...notice, id: nextId++ }] })),
    dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  }));
  store.subscribe((s) => {
    try {
      storage?.setItem(KEY, JSON.stringify({ databaseId: s.databaseId, tab: s.tab, tableByDatabase: s.tableByDatabase }));
    } catch {
      // private mode or full storage: the choice just is not remembered
    }
  });
  return store;
}

export type UiStore = ReturnType<typeof createUiStore>;
