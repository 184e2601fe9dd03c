// "Open a file": says what is at the path before anything is touched, and
// what adopting a plain SQLite file does (adds Tidemark's ZV_ tables; the
// person's tables and rows are left as they are).

import { useEffect, useState } from 'react';
import type { FileInspection } from '../../../../shared/app-types';
import type { TidemarkErrorDetail } from '../../../../shared/errors';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { useApi } from '../../stores/api-context';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function OpenDatabaseDialog() {
  const { ui, databases } = useStores();
  const api = useApi();
  const [path, setPath] = useState('');
  const [inspection, setInspection] = useState<FileInspection | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TidemarkErrorDetail | null>(null);
  const close = () => ui.getState().openDialog(null);

  useEffect(() => {
    setInspection(null);
    if (!path.trim()) return;
    let current = true;
    const timer = setTimeout(() => {
      api.databases.inspect({ path }).then(
        (result) => current && setInspection(result),
        () => current && setInspection(null),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [path, api]);

  const canOpen = inspection?.kind === 'sqlite' || inspection?.kind === 'tidemark';
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!path.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const opened = await databases.getState().open(path);
      ui.getState().selectDatabase(opened.id);
      ui.getState().setTab('tables');
      ui.getState().notify({ tone: 'success', text: inspection?.kind === 'sqlite' ? `Adopted ${opened.title}` : `Opened ${opened.title}` });
      close();
    } catch (e) {
      setError(detailOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Open a database"
      onClose={close}
      busy={busy}
      width="wide"
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="open-database" className="btn primary" disabled={!canOpen || busy}>
            {busy ? 'Opening…' : inspection?.known ? 'Show it' : inspection?.kind === 'sqlite' ? 'Adopt and open' : 'Open'}
          </button>
        </>
      }
    >
      <form id="open-database" className="form" onSubmit={submit}>
        <label className="field">
          <span className="field-label">Path of the SQLite file</span>
          <input
            autoFocus
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="~/Documents/budget.sqlite"
            spellCheck={false}
            className="mono"
            aria-label="Database path"
          />
        </label>
        <Inspection inspection={inspection} />
        {error && <ErrorNotice error={error} compact />}
      </form>
    </Dialog>
  );
}

function Inspection({ inspection }: { inspection: FileInspection | null }) {
  if (!inspection) return <p className="field-help">Type or paste the full path; a path starting with ~ is in your home folder.</p>;
  const tables = inspection.tables.length ? `${inspection.tables.length} table${inspection.tables.length === 1 ? '' : 's'}: ${inspection.tables.slice(0, 6).join(', ')}${inspection.tables.length > 6 ? '…' : ''}` : 'no tables yet';
  const lines: Record<FileInspection['kind'], [string, string]> = {
    missing: ['warn', 'There is no file at this path. Use "New database" to create one.'],
    folder: ['warn', 'This is a folder. Give the path of a database file inside it.'],
    'not-sqlite': ['warn', 'This file is not a SQLite database.'],
    tidemark: ['ok', `A Tidemark database with ${tables}.`],
    sqlite: ['ok', `A SQLite database with ${tables}. Adopting it adds Tidemark's own ZV_ tables; your tables and rows are not changed, and nothing is tracked until you choose.`],
  };
  const [tone, text] = lines[inspection.kind];
  return (
    <p className={`inspection inspection-${tone}`}>
      {inspection.known ? 'Already in Tidemark. ' : ''}
      {text}
    </p>
  );
}
