// The Tables tab: which tables of this database are tracked, why the others
// cannot be, and the database's own details (device name, id, removal).

import { useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { DatabaseSummary, TableSummary } from '../../../../shared/app-types';
import { EmptyState } from '../../components/empty-state';
import { ErrorNotice } from '../../components/error-notice';
import { plural } from '../../components/format';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';
import { DatabaseDetails } from './database-details';
import { NewTableDialog } from './new-table-dialog';
import { UntrackDialog } from './untrack-dialog';

export function TablesScreen({ database }: { database: DatabaseSummary }) {
  const { tables: store, ui } = useStores();
  const tables = useStore(store, (s) => s.tables);
  const error = useStore(store, (s) => s.error);
  const loading = useStore(store, (s) => s.loading);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'new-table' | { untrack: string } | null>(null);

  const trackable = useMemo(() => tables.filter((t) => !t.tracked && !t.untrackableReason), [tables]);
  const picked = trackable.filter((t) => chosen.has(t.name)).map((t) => t.name);
  const toggle = (name: string) => setChosen((s) => (s.has(name) ? new Set([...s].filter((n) => n !== name)) : new Set([...s, name])));

  const track = async () => {
    setBusy(true);
    try {
      const result = await store.getState().track(picked);
      const changes = result.reduce((n, r) => n + r.changes, 0);
      ui.getState().notify({ tone: 'success', text: `Tracking ${picked.join(', ')} · ${plural(changes, 'change')} recorded` });
      setChosen(new Set());
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: 'Could not track', detail: detailOf(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="screen screen-scroll">
      <div className="page">
        <DatabaseDetails database={database} />
        <section className="panel">
          <header className="panel-header">
            <div>
              <h2>Tables</h2>
              <p className="panel-sub">Changes to tracked tables are recorded — by this app or any other program — and synced.</p>
            </div>
            <div className="panel-actions">
              <button type="button" className="btn" onClick={() => setDialog('new-table')}>
                <Icon name="plus" /> New table
              </button>
              <button type="button" className="btn primary" disabled={picked.length === 0 || busy} onClick={track}>
                {busy ? 'Tracking…' : picked.length ? `Track ${plural(picked.length, 'table')}` : 'Track'}
              </button>
            </div>
          </header>
          {error && <ErrorNotice error={error} />}
          {!loading && !error && tables.length === 0 && (
            <EmptyState icon="table" title="No tables yet" actions={<button type="button" className="btn" onClick={() => setDialog('new-table')}>New table</button>}>
              Create one here, or let your app create its tables in this file: they appear here as soon as they exist.
            </EmptyState>
          )}
          {tables.length > 0 && (
            <table className="table-list">
              <thead>
                <tr>
                  <th className="col-check" aria-label="Choose" />
                  <th>Table</th>
                  <th className="num">Rows</th>
                  <th className="num">Changes</th>
                  <th>Status</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {tables.map((t) => (
                  <TableRow key={t.name} table={t} checked={chosen.has(t.name)} onToggle={() => toggle(t.name)} onUntrack={() => setDialog({ untrack: t.name })} />
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {dialog === 'new-table' && <NewTableDialog onClose={() => setDialog(null)} />}
      {dialog && typeof dialog === 'object' && <UntrackDialog table={dialog.untrack} onClose={() => setDialog(null)} />}
    </div>
  );
}

function TableRow({ table, checked, onToggle, onUntrack }: { table: TableSummary; checked: boolean; onToggle(): void; onUntrack(): void }) {
  const canTrack = !table.tracked && !table.untrackableReason;
  return (
    <tr className={table.untrackableReason ? 'untrackable' : undefined}>
      <td className="col-check">
        {canTrack && <input type="checkbox" checked={checked} onChange={onToggle} aria-label={`Track ${table.name}`} />}
        {table.tracked && <Icon name="check" className="tracked-check" />}
        {table.untrackableReason && <Icon name="lock" className="muted-icon" />}
      </td>
      <td>
        <div className="table-name">{table.name}</div>
        <div className="table-columns">{table.columns.map((c) => c.name).join(' · ')}</div>
      </td>
      <td className="num">{table.rows.toLocaleString()}</td>
      <td className="num">{table.tracked ? table.changes.toLocaleString() : '—'}</td>
      <td className="status-cell">
        {table.tracked && <span className="badge badge-ok">Tracked</span>}
        {canTrack && <span className="badge">Not tracked</span>}
        {table.untrackableReason && (
          <div className="untrackable-reason">
            <span className="badge badge-warn">Can't be tracked</span>
            <p>
              {capitalize(table.untrackableReason)}. <span className="hint">{table.hint}</span>
            </p>
          </div>
        )}
      </td>
      <td className="row-actions">
        {table.tracked && (
          <button type="button" className="btn subtle small" onClick={onUntrack}>
            Stop tracking
          </button>
        )}
      </td>
    </tr>
  );
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
