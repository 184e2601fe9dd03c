// The head of the Tables tab: the file, this device's name in it, its id,
// and removing it from the app (never deleting the file).

import { useState } from 'react';
import type { DatabaseSummary } from '../../../../shared/app-types';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function DatabaseDetails({ database }: { database: DatabaseSummary }) {
  const { databases, ui } = useStores();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(database.replicaName);
  const [removing, setRemoving] = useState(false);

  const saveName = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      await databases.getState().setReplicaName(database.id, name);
      setEditing(false);
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: 'Could not rename this device', detail: detailOf(e) });
    }
  };

  return (
    <section className="details">
      <div className="details-main">
        <h1>{database.title}</h1>
        <div className="details-path mono" title={database.path}>
          {database.path}
        </div>
      </div>
      <dl className="details-facts">
        <div>
          <dt>This device</dt>
          <dd>
            {editing ? (
              <form onSubmit={saveName} className="inline-form">
                <input autoFocus value={name} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setEditing(false)} aria-label="Device name" />
                <button type="submit" className="btn small primary" disabled={!name.trim()}>
                  Save
                </button>
              </form>
            ) : (
              <button type="button" className="link-button" onClick={() => (setName(database.replicaName), setEditing(true))} title="Rename this device">
                {database.replicaName} <Icon name="edit" size={13} />
              </button>
            )}
          </dd>
        </div>
        <div>
          <dt>Replica id</dt>
          <dd className="mono small" title={database.uuid ?? ''}>
            {database.uuid}
          </dd>
        </div>
        <div>
          <dt>Tracked</dt>
          <dd>{database.trackedTables === 1 ? '1 table' : `${database.trackedTables} tables`}</dd>
        </div>
      </dl>
      <button type="button" className="btn subtle small danger-text details-remove" onClick={() => setRemoving(true)}>
        Remove from Tidemark…
      </button>
      {removing && <RemoveDialog database={database} onClose={() => setRemoving(false)} />}
    </section>
  );
}

function RemoveDialog({ database, onClose }: { database: DatabaseSummary; onClose(): void }) {
  const { databases, ui } = useStores();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ReturnType<typeof detailOf> | null>(null);
  const remove = async () => {
    setBusy(true);
    try {
      await databases.getState().remove(database.id);
      ui.getState().notify({ tone: 'success', text: `Removed ${database.title} from Tidemark. The file is still there.` });
      onClose();
    } catch (e) {
      setError(detailOf(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Remove ${database.title}?`}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn danger" onClick={remove} disabled={busy} autoFocus>
            Remove from Tidemark
          </button>
        </>
      }
    >
      <p>
        Tidemark stops listing this database. <strong>The file is not deleted</strong>: it stays at <code>{database.path}</code> with all its
        tables and history, and you can open it again any time.
      </p>
      {error && <ErrorNotice error={error} compact />}
    </Dialog>
  );
}
