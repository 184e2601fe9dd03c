// "New database": a name becomes <folder>/<name>.db; the folder defaults to the app's own.

import { useState } from 'react';
import { useStore } from 'zustand';
import type { TidemarkErrorDetail } from '../../../../shared/errors';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function NewDatabaseDialog() {
  const { ui, databases } = useStores();
  const info = useStore(databases, (s) => s.info);
  const [name, setName] = useState('');
  const [folder, setFolder] = useState(info?.databasesDir ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TidemarkErrorDetail | null>(null);
  const separator = info?.platform === 'win32' ? '\\' : '/';
  const fileName = name.trim() ? `${name.trim().replace(/[\\/:*?"<>|]/g, '-')}.db` : '';
  const path = fileName ? `${folder.replace(/[\\/]+$/, '')}${separator}${fileName}` : '';
  const close = () => ui.getState().openDialog(null);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!path) return;
    setBusy(true);
    setError(null);
    try {
      const created = await databases.getState().create(path);
      ui.getState().selectDatabase(created.id);
      ui.getState().setTab('tables');
      ui.getState().notify({ tone: 'success', text: `Created ${created.title}` });
      close();
    } catch (e) {
      setError(detailOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New database"
      onClose={close}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="new-database" className="btn primary" disabled={!path || busy}>
            {busy ? 'Creating…' : 'Create database'}
          </button>
        </>
      }
    >
      <form id="new-database" className="form" onSubmit={submit}>
        <label className="field">
          <span className="field-label">Name</span>
          <input autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Recipes" aria-label="Database name" />
        </label>
        <label className="field">
          <span className="field-label">Folder</span>
          <input value={folder} onChange={(e) => setFolder(e.target.value)} spellCheck={false} className="mono" aria-label="Folder" />
        </label>
        <p className="field-help">{path ? <>Creates <code>{path}</code></> : 'A SQLite file is created in this folder.'}</p>
        {error && <ErrorNotice error={error} compact />}
      </form>
    </Dialog>
  );
}
