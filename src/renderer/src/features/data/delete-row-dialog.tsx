import { useState } from 'react';
import { Dialog } from '../../components/dialog';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function DeleteRowDialog({ table, rowId, onClose }: { table: string; rowId: string; onClose(): void }) {
  const { rows, ui } = useStores();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    try {
      await rows.getState().remove([rowId]);
      ui.getState().notify({ tone: 'success', text: `Deleted the row from ${table}` });
      onClose();
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: 'Could not delete the row', detail: detailOf(e) });
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Delete this row?"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn danger" onClick={remove} disabled={busy} autoFocus>
            Delete row
          </button>
        </>
      }
    >
      <p>
        The row <code>{rowId}</code> is deleted from <strong>{table}</strong> here and, after the next sync, on your other devices. The deletion
        is recorded: you can revert it from History.
      </p>
    </Dialog>
  );
}
