// "Add row": one field per column. The key is prefilled with a UUID so rows
// made on different devices never collide. Empty fields are left out, so the
// column's default (or NULL) applies.

import { useState } from 'react';
import type { ColumnInfo, TableSummary } from '../../../../shared/app-types';
import type { TidemarkErrorDetail } from '../../../../shared/errors';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function AddRowDialog({ table, columns, onClose }: { table: TableSummary; columns: ColumnInfo[]; onClose(): void }) {
  const { rows, ui } = useStores();
  const key = columns.find((c) => c.primaryKey);
  const [values, setValues] = useState<Record<string, string>>(() => (key && !/INT|REAL|NUM/i.test(key.type) ? { [key.name]: crypto.randomUUID() } : {}));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TidemarkErrorDetail | null>(null);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!key) return;
    const id = values[key.name]?.trim();
    if (!id) return setError({ kind: 'invalid-input', field: key.name, message: 'the row needs a key', hint: 'Keep the suggested UUID, or type your own.' });
    const cells: Record<string, string> = {};
    for (const c of columns) if (!c.primaryKey && values[c.name] !== undefined && values[c.name] !== '') cells[c.name] = values[c.name]!;
    setBusy(true);
    setError(null);
    try {
      await rows.getState().put(id, cells);
      ui.getState().notify({ tone: 'success', text: `Added a row to ${table.name}` });
      onClose();
    } catch (e) {
      setError(detailOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={`Add a row to ${table.name}`}
      onClose={onClose}
      busy={busy}
      width="wide"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="add-row" className="btn primary" disabled={busy}>
            Add row
          </button>
        </>
      }
    >
      <form id="add-row" className="form form-grid" onSubmit={submit}>
        {columns.map((c, i) => (
          <label className="field" key={c.name}>
            <span className="field-label">
              {c.name} <span className="column-type">{c.type.toLowerCase()}</span>
              {c.notNull && !c.hasDefault && !c.primaryKey && <span className="required">required</span>}
            </span>
            <input
              autoFocus={i === (key && columns.length > 1 ? 1 : 0)}
              className={c.primaryKey ? 'mono' : undefined}
              value={values[c.name] ?? ''}
              placeholder={c.hasDefault ? 'default' : c.primaryKey ? 'key' : ''}
              onChange={(e) => setValues((v) => ({ ...v, [c.name]: e.target.value }))}
              aria-label={c.name}
              spellCheck={false}
            />
          </label>
        ))}
        {error && <ErrorNotice error={error} compact />}
      </form>
    </Dialog>
  );
}
