// Approving a device: this device's fingerprint and the other's side by side,
// to be checked on both screens before anything it wrote is applied here.

import { useState } from 'react';
import type { TidemarkErrorDetail } from '../../../../shared/errors';
import type { ReplicaView } from '../../../../shared/sync-types';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function ApproveDialog({ self, replica, onClose }: { self: ReplicaView; replica: ReplicaView; onClose(): void }) {
  const { replicas, ui } = useStores();
  const [matched, setMatched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TidemarkErrorDetail | null>(null);
  const name = replica.name || 'the other device';

  const approve = async () => {
    setBusy(true);
    setError(null);
    try {
      await replicas.getState().approve(replica.replica, replica.fingerprint!);
      ui.getState().notify({ tone: 'success', text: `Approved ${name}. Its changes arrive with this sync.` });
      onClose();
    } catch (e) {
      setError(detailOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={`Approve ${name}?`}
      width="wide"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn primary" onClick={approve} disabled={!matched || busy || !replica.fingerprint}>
            {busy ? 'Approving…' : 'Approve'}
          </button>
        </>
      }
    >
      <p>
        Open Tidemark on <strong>{name}</strong>, go to <strong>Devices</strong>, and compare. Both screens must show the same two
        fingerprints, character by character.
      </p>
      <div className="fingerprint-compare">
        <FingerprintCard title="This device" name={self.name} fingerprint={self.fingerprint} note={`${name} shows this for ${self.name || 'this device'}`} />
        <FingerprintCard title="Asking to sync" name={replica.name} fingerprint={replica.fingerprint} note={`${name} shows this as its own fingerprint`} />
      </div>
      <label className="check match-check">
        <input type="checkbox" checked={matched} onChange={(e) => setMatched(e.target.checked)} autoFocus />
        Both fingerprints match on both screens
      </label>
      <p className="muted small">
        If anything differs, don't approve: another device may be posing as yours. Approving here is enough for your other devices that trust
        this one: the approval travels with the next sync.
      </p>
      {error && <ErrorNotice error={error} compact />}
    </Dialog>
  );
}

function FingerprintCard({ title, name, fingerprint, note }: { title: string; name: string; fingerprint: string | null; note: string }) {
  return (
    <div className="fingerprint-card">
      <div className="fingerprint-title">
        <Icon name="devices" size={14} /> {title}
      </div>
      <div className="fingerprint-name">{name || 'Unnamed device'}</div>
      <div className="fingerprint" aria-label={`Fingerprint of ${name || 'the device'}`}>
        {fingerprint ?? 'not published yet'}
      </div>
      <div className="fingerprint-note">{note}</div>
    </div>
  );
}
