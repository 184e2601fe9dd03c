// All stores over one Api, and the wiring of pushed events into them. The UI
// never polls: lists change when main says something committed.

import type { Api } from '../../../shared/bridge';
import { createDatabasesStore } from './databases-store';
import { createHistoryStore } from './history-store';
import { createRowsStore } from './rows-store';
import { createTablesStore } from './tables-store';
import { createUiStore, type UiStorage } from './ui-store';

export function createStores(api: Api, storage?: UiStorage) {
  const stores = {
    ui: createUiStore(storage),
    databases: createDatabasesStore(api),
    tables: createTablesStore(api),
    rows: createRowsStore(api),
    history: createHistoryStore(api),
  };

  // Follow the selected database (and the Data tab's table) into the stores that show it.
  const follow = () => {
    const { databaseId, tableByDatabase } = stores.ui.getState();
    const { databases, loaded } = stores.databases.getState();
    if (loaded && !databases.some((d) => d.id === databaseId)) {
      // Nothing chosen yet, or the chosen one was removed: show the first, if any.
      const first = databases[0]?.id ?? null;
      if (first !== databaseId) return stores.ui.getState().selectDatabase(first);
    }
    const known = stores.databases.getState().databases.find((d) => d.id === databaseId && d.available);
    const id = known ? databaseId : null;
    void stores.tables.getState().open(id);
    void stores.history.getState().open(id);
    void stores.rows.getState().open(id, id ? (tableByDatabase[id] ?? null) : null);
  };
  stores.ui.subscribe(follow);
  stores.databases.subscribe(follow);

  const stop = [
    api.on('databases.changed', (list) => stores.databases.getState().received(list)),
    api.on('database.externalWrite', ({ databaseId }) => {
      if (databaseId !== stores.ui.getState().databaseId) return;
      void stores.tables.getState().reload();
      void stores.rows.getState().reload();
    }),
    api.on('commit', (notice) => {
      if (notice.databaseId !== stores.ui.getState().databaseId) return;
      void stores.tables.getState().reload();
      if (notice.tables.includes(stores.rows.getState().table ?? '')) void stores.rows.getState().reload();
      void stores.history.getState().committed(notice.tables, notice.source);
    }),
  ];

  return { ...stores, dispose: () => stop.forEach((s) => s()) };
}

export type Stores = ReturnType<typeof createStores>;
