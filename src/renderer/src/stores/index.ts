// All stores over one Api, and the wiring of pushed events into them. The UI
// never polls: lists change when main says something committed.

import type { Api } from '../../../shared/bridge';
import { createConflictsStore } from './conflicts-store';
import { createDatabasesStore } from './databases-store';
import { createHistoryStore } from './history-store';
import { createReplicasStore } from './replicas-store';
import { createRowsStore } from './rows-store';
import { createSyncStore } from './sync-store';
import { createTablesStore } from './tables-store';
import { createUiStore, type UiStorage } from './ui-store';

export function createStores(api: Api, storage?: UiStorage) {
  const stores = {
    ui: createUiStore(storage),
    databases: createDatabasesStore(api),
    tables: createTablesStore(api),
    rows: createRowsStore(api),
    history: createHistoryStore(api),
    sync: createSyncStore(api),
    replicas: createReplicasStore(api),
    conflicts: createConflictsStore(api),
  };
  /** Pending replicas already announced, per database: a notice only for new ones. */
  const announced = new Map<string, Set<string>>();

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
    void stores.sync.getState().open(id);
    stores.replicas.getState().open(id);
    stores.conflicts.getState().open(id);
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
    api.on('sync.progress', (notice) => stores.sync.getState().progressed(notice)),
    api.on('sync.finished', (notice) => {
      stores.sync.getState().finished(notice);
      if (notice.databaseId !== stores.ui.getState().databaseId) return;
      void stores.replicas.getState().reload();
      void stores.conflicts.getState().reload();
    }),
    api.on('replicas.pending', ({ databaseId, replicas }) => {
      stores.databases.getState().patch(databaseId, { pendingReplicas: replicas.length });
      const seen = announced.get(databaseId) ?? new Set<string>();
      const fresh = replicas.filter((r) => !seen.has(r.replica));
      announced.set(databaseId, new Set(replicas.map((r) => r.replica)));
      if (fresh.length > 0) {
        const title = stores.databases.getState().databases.find((d) => d.id === databaseId)?.title ?? 'a database';
        const who = fresh.length === 1 ? `“${fresh[0]!.name || 'A new device'}” wants` : `${fresh.length} devices want`;
        stores.ui.getState().notify({ tone: 'info', text: `${who} to sync ${title}. Compare fingerprints in Devices to approve.` });
      }
      if (databaseId === stores.ui.getState().databaseId) void stores.replicas.getState().reload();
    }),
  ];

  return { ...stores, dispose: () => stop.forEach((s) => s()) };
}

export type Stores = ReturnType<typeof createStores>;
