// "New table": columns with SQLite types, a text key the app fills with UUIDs.

import { useState } from 'react';
import type { TidemarkErrorDetail } from '../../../../shared/errors';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

const TYPES = ['TEXT', 'INTEGER', 'REAL', 'NUMERIC', 'BLOB'] as const;
type ColumnType = (typeof TYPES)[number];
interface Draft {
  key: number;
  name: string;
  type: ColumnType;
  notNull: boolean;
}

let nextKey = 1;
const draft = (name = '', type: ColumnType = 'TEXT'): Draft => ({ key: nextKey++, name, type, notNull: false });

export function NewTableDialog({ onClose }: { onClose(): void }) {
  const { tables, ui } = useStores();
  const [name, setName] = useState('');
  const [columns, setColumns] = useState<Draft[]>(() => [draft('title')]);
  const [track, setTrack] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TidemarkErrorDetail | null>(null);
  const update = (key: number, change: Partial<Draft>) => setColumns((cs) => cs.map((c) => (c.key === key ? { ...c, ...change } : c)));

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const named = columns.filter((c) => c.name.trim());
      await tables.getState().create({ name: name.trim(), columns: named.map((c) => ({ name: c.name.trim(), type: c.type, notNull: c.notNull })), track });
      ui.getState().notify({ tone: 'success', text: `Created table ${name.trim()}${track ? ' (tracked)' : ''}` });
      onClose();
    } catch (e) {
      setError(detailOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New table"
      onClose={onClose}
      busy={busy}
      width="wide"
      footer={
        <>
          <label className="check footer-left">
            <input type="checkbox" checked={track} onChange={(e) => setTrack(e.target.checked)} /> Track it now
          </label>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="new-table" className="btn primary" disabled={!name.trim() || busy}>
            Create table
          </button>
        </>
      }
    >
      <form id="new-table" className="form" onSubmit={submit}>
        <label className="field">
          <span className="field-label">Table name</span>
          <input autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. recipes" spellCheck={false} aria-label="Table name" />
        </label>
        <div className="field">
          <span className="field-label">Columns</span>
          <div className="column-drafts">
            <div className="column-draft fixed">
              <span className="mono">id</span>
              <span className="muted">TEXT primary key — filled with a UUID, so every device can add rows</span>
            </div>
            {columns.map((c) => (
              <div className="column-draft" key={c.key}>
                <input value={c.name} onChange={(e) => update(c.key, { name: e.target.value })} placeholder="column name" spellCheck={false} aria-label="Column name" />
                <select value={c.type} onChange={(e) => update(c.key, { type: e.target.value as ColumnType })} aria-label="Column type">
                  {TYPES.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
                <label className="check">
                  <input type="checkbox" checked={c.notNull} onChange={(e) => update(c.key, { notNull: e.target.checked })} /> required
                </label>
                <button type="button" className="icon-button" aria-label="Remove column" onClick={() => setColumns((cs) => cs.filter((x) => x.key !== c.key))}>
                  <Icon name="close" size={14} />
                </button>
              </div>
            ))}
          </div>
          <button type="button" className="btn subtle small add-column" onClick={() => setColumns((cs) => [...cs, draft()])}>
            <Icon name="plus" size={14} /> Add column
          </button>
        </div>
        {error && <ErrorNotice error={error} compact />}
      </form>
    </Dialog>
  );
}
