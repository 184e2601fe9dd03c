import { useState } from 'react';
import { Dialog } from '../../components/dialog';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function UntrackDialog({ table, onClose }: { table: string; onClose(): void }) {
  const { tables, ui } = useStores();
  const [busy, setBusy] = useState(false);
  const untrack = async () => {
    setBusy(true);
    try {
      await tables.getState().untrack(table);
      ui.getState().notify({ tone: 'success', text: `Stopped tracking ${table}` });
      onClose();
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: `Could not stop tracking ${table}`, detail: detailOf(e) });
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Stop tracking ${table}?`}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn danger" onClick={untrack} disabled={busy}>
            Stop tracking
          </button>
        </>
      }
    >
      <p>
        New edits to <strong>{table}</strong> will not be recorded or synced. Its rows stay as they are, and its past changes stay in the
        history. You can track it again later.
      </p>
    </Dialog>
  );
}
