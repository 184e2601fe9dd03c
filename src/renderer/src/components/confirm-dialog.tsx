// A yes/no question about one action: runs it, shows its typed error inside
// the dialog if it fails, and closes when it succeeds.

import { useState, type ReactNode } from 'react';
import type { TidemarkErrorDetail } from '../../../shared/errors';
import { detailOf } from '../stores/errors';
import { Dialog } from './dialog';
import { ErrorNotice } from './error-notice';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirm: string;
  tone?: 'primary' | 'danger';
  onConfirm(): Promise<unknown>;
  onClose(): void;
}

export function ConfirmDialog({ title, children, confirm, tone = 'primary', onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TidemarkErrorDetail | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(detailOf(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={`btn ${tone}`} onClick={run} disabled={busy}>
            {confirm}
          </button>
        </>
      }
    >
      {children}
      {error && <ErrorNotice error={error} compact />}
    </Dialog>
  );
}
