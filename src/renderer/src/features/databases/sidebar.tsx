// The sidebar: every database the app knows, and the two ways to add one.
// ↑/↓ move between databases when the list has focus.

import { useStore } from 'zustand';
import type { DatabaseSummary } from '../../../../shared/app-types';
import { Icon, Logo } from '../../components/icons';
import { useStores } from '../../stores/context';

export function Sidebar() {
  const { ui, databases } = useStores();
  const list = useStore(databases, (s) => s.databases);
  const info = useStore(databases, (s) => s.info);
  const selectedId = useStore(ui, (s) => s.databaseId);

  const onKeyDown = (event: React.KeyboardEvent) => {
    const index = list.findIndex((d) => d.id === selectedId);
    const to = event.key === 'ArrowDown' ? index + 1 : event.key === 'ArrowUp' ? index - 1 : null;
    if (to === null || to < 0 || to >= list.length) return;
    event.preventDefault();
    ui.getState().selectDatabase(list[to]!.id);
    document.getElementById(`database-${list[to]!.id}`)?.focus();
  };

  return (
    <nav className="sidebar" aria-label="Databases">
      <div className="sidebar-brand">
        <Logo />
        <span>Tidemark</span>
      </div>
      <div className="sidebar-section">
        <span>Databases</span>
        <span className="sidebar-count">{list.length || ''}</span>
      </div>
      <ul className="database-list" onKeyDown={onKeyDown}>
        {list.map((d) => (
          <DatabaseItem key={d.id} database={d} selected={d.id === selectedId} onSelect={() => ui.getState().selectDatabase(d.id)} />
        ))}
      </ul>
      <div className="sidebar-actions">
        <button type="button" className="sidebar-action" onClick={() => ui.getState().openDialog('new-database')}>
          <Icon name="plus" /> New database
        </button>
        <button type="button" className="sidebar-action" onClick={() => ui.getState().openDialog('open-database')}>
          <Icon name="open" /> Open a file…
        </button>
      </div>
      <div className="sidebar-footer" title={info?.dataDir}>
        {info ? `${info.host === 'browser' ? 'Browser · 127.0.0.1' : 'Desktop'} · v${info.version}` : ''}
      </div>
    </nav>
  );
}

function DatabaseItem({ database, selected, onSelect }: { database: DatabaseSummary; selected: boolean; onSelect(): void }) {
  const attention = database.pendingReplicas + database.openConflicts;
  return (
    <li>
      <button
        type="button"
        id={`database-${database.id}`}
        className={`database-item${selected ? ' selected' : ''}${database.available ? '' : ' unavailable'}`}
        aria-current={selected ? 'page' : undefined}
        onClick={onSelect}
        title={database.path}
      >
        <Icon name={database.available ? 'database' : 'alert'} className="database-icon" />
        <span className="database-text">
          <span className="database-name">{database.title}</span>
          <span className="database-meta">
            {database.available ? `${database.trackedTables} tracked table${database.trackedTables === 1 ? '' : 's'}` : 'Cannot open'}
          </span>
        </span>
        {attention > 0 && (
          <span className="sidebar-badge" title={attentionText(database)} aria-label={attentionText(database)}>
            {attention}
          </span>
        )}
      </button>
    </li>
  );
}

function attentionText(d: DatabaseSummary): string {
  const parts = [
    d.pendingReplicas ? `${d.pendingReplicas} device${d.pendingReplicas === 1 ? '' : 's'} waiting for approval` : '',
    d.openConflicts ? `${d.openConflicts} conflict${d.openConflicts === 1 ? '' : 's'} to settle` : '',
  ];
  return parts.filter(Boolean).join(', ');
}
