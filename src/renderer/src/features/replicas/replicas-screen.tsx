// The Devices tab: this device's fingerprint, and every other replica of the
// database with its state, last change, what it holds and what is still to
// come, its problems — and the decisions about it.

import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { DatabaseSummary } from '../../../../shared/app-types';
import type { ReplicaState } from '../../../../shared/types';
import type { ReplicaView } from '../../../../shared/sync-types';
import { shortId } from '../../../../shared/value-format';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { EmptyState } from '../../components/empty-state';
import { ErrorNotice } from '../../components/error-notice';
import { formatAgo, formatFullTime } from '../../components/format';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { ApproveDialog } from './approve-dialog';

type Pending = { kind: 'approve' | 'reject' | 'revoke' | 'clock'; replica: ReplicaView };

const ORDER: Record<ReplicaState, number> = { pending: 0, trusted: 1, self: 2, revoked: 3, rejected: 4 };
const STATE: Record<ReplicaState, { label: string; className: string }> = {
  pending: { label: 'Waiting for approval', className: 'badge badge-warn' },
  trusted: { label: 'Trusted', className: 'badge badge-ok' },
  rejected: { label: 'Rejected', className: 'badge' },
  revoked: { label: 'Revoked', className: 'badge badge-danger' },
  self: { label: 'This device', className: 'badge' },
};

export function ReplicasScreen({ database }: { database: DatabaseSummary }) {
  const { replicas: store, ui } = useStores();
  const replicas = useStore(store, (s) => s.replicas);
  const loading = useStore(store, (s) => s.loading);
  const error = useStore(store, (s) => s.error);
  const [dialog, setDialog] = useState<Pending | null>(null);

  useEffect(() => void store.getState().load(), [store, database.id]);

  const self = replicas.find((r) => r.isSelf);
  const others = replicas.filter((r) => !r.isSelf).sort((a, b) => ORDER[a.state] - ORDER[b.state]);
  const name = (r: ReplicaView) => r.name || 'the device';

  return (
    <div className="screen screen-scroll">
      <div className="page">
        {error && <ErrorNotice error={error} compact />}
        {self && (
          <section className="self-card">
            <div>
              <h3>This device</h3>
              <div className="self-name">{self.name}</div>
              <div className="mono small muted" title={self.replica}>
                {self.replica}
              </div>
            </div>
            <div className="self-fingerprint">
              <div className="fingerprint" aria-label="This device's fingerprint">
                {self.fingerprint}
              </div>
              <p className="muted small">Your other devices show this fingerprint for {self.name}. Compare it when you approve a device.</p>
            </div>
          </section>
        )}
        <section className="panel">
          <header className="panel-header">
            <div>
              <h2>Other devices</h2>
              <p className="panel-sub">What a device writes is applied here only once you approve it on one of your trusted devices.</p>
            </div>
          </header>
          {!loading && others.length === 0 && (
            <EmptyState icon="devices" title="No other devices yet">
              On the other device, open or create this database, set the same remote (Sync tab) and sync. It shows up here to approve —
              and this device shows up there.
            </EmptyState>
          )}
          {others.length > 0 && (
            <table className="table-list replicas-table">
              <thead>
                <tr>
                  <th>Device</th>
                  <th>State</th>
                  <th>Fingerprint</th>
                  <th className="nowrap">Last change</th>
                  <th className="num">Changes here</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {others.map((r) => (
                  <tr key={r.replica} className={r.state === 'pending' ? 'row-attention' : undefined}>
                    <td>
                      <div className="table-name">{r.name || 'Unnamed device'}</div>
                      <div className="mono small muted" title={r.replica}>
                        {shortId(r.replica)}
                      </div>
                    </td>
                    <td>
                      <span className={STATE[r.state].className}>{STATE[r.state].label}</span>
                    </td>
                    <td className="mono">{r.fingerprint ?? <span className="muted">not published</span>}</td>
                    <td className="nowrap" title={r.lastTime ? formatFullTime(r.lastTime) : undefined}>{r.lastTime ? formatAgo(r.lastTime) : <span className="muted">—</span>}</td>
                    <td className="num">
                      {r.held.toLocaleString()}
                      {r.lag > 0 && <div className="small muted">{r.lag.toLocaleString()} to come</div>}
                    </td>
                    <td className="row-actions replica-actions">
                      {r.state === 'pending' && (
                        <>
                          <button type="button" className="btn small primary" onClick={() => setDialog({ kind: 'approve', replica: r })}>
                            Approve…
                          </button>
                          <button type="button" className="btn small subtle" onClick={() => setDialog({ kind: 'reject', replica: r })}>
                            Reject
                          </button>
                        </>
                      )}
                      {r.state === 'trusted' && (
                        <button type="button" className="btn small subtle" onClick={() => setDialog({ kind: 'revoke', replica: r })}>
                          Revoke…
                        </button>
                      )}
                      {(r.state === 'rejected' || r.state === 'revoked') && r.fingerprint && (
                        <button type="button" className="btn small subtle" onClick={() => setDialog({ kind: 'approve', replica: r })}>
                          Approve…
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {others.some((r) => r.problem || r.clockWarning) && (
            <ul className="replica-problems">
              {others
                .filter((r) => r.problem || r.clockWarning)
                .map((r) => (
                  <li key={r.replica} className={r.problem ? 'problem' : 'clock-warning'}>
                    <Icon name={r.problem ? 'alert' : 'clock'} />
                    <div>
                      <strong>{r.name || 'Unnamed device'}:</strong> {r.problem ?? r.clockWarning}
                      {r.clockAhead && <div className="muted small">If that device's date is right, accept its changes; otherwise fix its clock and sync it again.</div>}
                    </div>
                    {r.clockAhead && (
                      <button type="button" className="btn small" onClick={() => setDialog({ kind: 'clock', replica: r })}>
                        Accept its clock…
                      </button>
                    )}
                  </li>
                ))}
            </ul>
          )}
        </section>
      </div>
      {dialog?.kind === 'approve' && self && <ApproveDialog self={self} replica={dialog.replica} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'reject' && (
        <ConfirmDialog title={`Reject ${name(dialog.replica)}?`} confirm="Reject" tone="danger" onClose={() => setDialog(null)}
          onConfirm={async () => (await store.getState().reject(dialog.replica.replica), ui.getState().notify({ tone: 'success', text: `Rejected ${name(dialog.replica)}` }))}
        >
          <p>Nothing it writes will be applied here. The decision reaches your other devices with the next sync. You can approve it later.</p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'revoke' && (
        <ConfirmDialog title={`Revoke ${name(dialog.replica)}?`} confirm="Revoke" tone="danger" onClose={() => setDialog(null)}
          onConfirm={async () => (await store.getState().revoke(dialog.replica.replica), ui.getState().notify({ tone: 'success', text: `Revoked ${name(dialog.replica)}` }))}
        >
          <p>
            What it wrote before stays; what it writes from now on is not applied on your devices. In an encrypted dataset, new changes are sealed
            with a key it never receives. Do this for a lost or replaced device.
          </p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'clock' && (
        <ConfirmDialog title={`Accept changes of ${name(dialog.replica)}?`} confirm="Accept and sync" onClose={() => setDialog(null)}
          onConfirm={() => store.getState().acceptClock(dialog.replica.replica)}
        >
          <p>
            Its changes are stamped more than a day ahead of this device's clock. Accepting applies them and moves this device's clock forward
            with them, so later edits here still count as newer.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
