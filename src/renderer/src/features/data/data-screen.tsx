// The Data tab: the database's tables on the left, the chosen table's rows on
// the right. Edits go through the engine's write API, so each is a change
// like any other (and shows up in History).

import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { DatabaseSummary } from '../../../../shared/app-types';
import { EmptyState } from '../../components/empty-state';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { RowsGrid } from './rows-grid';

export function DataScreen({ database }: { database: DatabaseSummary }) {
  const { tables, ui } = useStores();
  const list = useStore(tables, (s) => s.tables);
  const loading = useStore(tables, (s) => s.loading);
  const selected = useStore(ui, (s) => s.tableByDatabase[database.id] ?? null);

  // Open the first tracked table when none is chosen (or the chosen one is gone).
  useEffect(() => {
    if (loading || list.length === 0) return;
    if (selected && list.some((t) => t.name === selected)) return;
    const first = list.find((t) => t.tracked) ?? list[0]!;
    ui.getState().selectTable(database.id, first.name);
  }, [list, loading, selected, database.id, ui]);

  if (!loading && list.length === 0) {
    return (
      <div className="screen">
        <EmptyState
          icon="table"
          title="This database has no tables yet"
          actions={
            <button type="button" className="btn" onClick={() => ui.getState().setTab('tables')}>
              Go to Tables
            </button>
          }
        >
          Create a table on the Tables tab, or let your app create its tables in this file.
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="screen split">
      <nav className="table-nav" aria-label="Tables">
        <div className="table-nav-title">Tables</div>
        {list.map((t) => (
          <button
            type="button"
            key={t.name}
            className={`table-nav-item${t.name === selected ? ' selected' : ''}`}
            aria-current={t.name === selected ? 'true' : undefined}
            onClick={() => ui.getState().selectTable(database.id, t.name)}
          >
            <Icon name={t.tracked ? 'table' : 'lock'} className={t.tracked ? undefined : 'muted-icon'} />
            <span className="table-nav-name">{t.name}</span>
            <span className="table-nav-count">{t.rows.toLocaleString()}</span>
          </button>
        ))}
      </nav>
      <div className="split-main">{selected && <RowsGrid key={`${database.id}/${selected}`} table={list.find((t) => t.name === selected) ?? null} />}</div>
    </div>
  );
}
