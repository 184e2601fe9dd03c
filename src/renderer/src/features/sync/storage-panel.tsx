// What this database takes on the remote: the newest snapshot (so a new
// device joins with one download), the remote's size, and deleting this
// device's batch files a snapshot covers once they are old enough.

import { useState } from 'react';
import { useStore } from 'zustand';
import type { SyncStatus } from '../../../../shared/sync-types';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorNotice } from '../../components/error-notice';
import { formatAgo, formatBytes, formatFullTime, plural } from '../../components/format';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

const GRACE = [
  { hours: 24, label: 'a day' },
  { hours: 168, label: 'a week' },
  { hours: 720, label: '30 days' },
];

export function StoragePanel({ status }: { status: SyncStatus }) {
  const { sync, ui } = useStores();
  const storage = useStore(sync, (s) => s.storage);
  const busy = useStore(sync, (s) => s.storageBusy);
  const error = useStore(sync, (s) => s.storageError);
  const syncing = useStore(sync, (s) => s.progress !== null);
  const [publishing, setPublishing] = useState(false);
  const [grace, setGrace] = useState(168);
  const [confirming, setConfirming] = useState(false);
  const snapshot = status.snapshot;
  const graceLabel = GRACE.find((g) => g.hours === grace)?.label ?? `${grace} hours`;

  const publish = async () => {
    setPublishing(true);
    try {
      await sync.getState().publishSnapshot();
      ui.getState().notify({ tone: 'success', text: 'Published a snapshot' });
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: 'Could not publish a snapshot', detail: detailOf(e) });
    }
    setPublishing(false);
  };
  const check = (hours = grace) => void sync.getState().checkStorage(hours);

  return (
    <section className="panel">
      <header className="panel-header">
        <div>
          <h2>Remote storage</h2>
          <p className="panel-sub">A snapshot lets a new device start with one download; batch files it covers can then be deleted.</p>
        </div>
      </header>
      <div className="storage-rows">
        <div className="storage-row">
          <div className="storage-label">Snapshot</div>
          <div className="storage-value" title={snapshot?.time ? formatFullTime(snapshot.time) : undefined}>
            {snapshot
              ? `Published ${snapshot.time ? formatAgo(snapshot.time) : ''} · ${plural(snapshot.changes, 'change')} · ${formatBytes(snapshot.bytes)}`
              : 'None from this device yet: a new device downloads every batch file.'}
          </div>
          <button type="button" className="btn small" onClick={publish} disabled={publishing || syncing}>
            {publishing ? 'Publishing…' : 'Publish snapshot'}
          </button>
        </div>
        <div className="storage-row">
          <div className="storage-label">Size</div>
          <div className="storage-value">
            {storage
              ? `${formatBytes(storage.bytes)} in ${plural(storage.files, 'file')} · batches ${formatBytes(storage.breakdown.batches)}, snapshots ${formatBytes(storage.breakdown.snapshots)}, heads ${formatBytes(storage.breakdown.heads)}`
              : 'Not checked yet (listing a large S3 remote costs a request per 1,000 files).'}
          </div>
          <button type="button" className="btn small" onClick={() => check()} disabled={busy}>
            {busy && !confirming ? 'Checking…' : storage ? 'Check again' : 'Check size'}
          </button>
        </div>
        {storage && (
          <div className="storage-row">
            <div className="storage-label">Clean up</div>
            <div className="storage-value">
              {storage.gc.coveredUpTo === null
                ? 'Nothing can go yet: publish a snapshot first.'
                : storage.gc.count > 0
                  ? `${plural(storage.gc.count, 'file')} (${formatBytes(storage.gc.bytes)}) of this device are covered by a snapshot and older than ${graceLabel}.`
                  : `Nothing to delete: this device's files a snapshot covers are younger than ${graceLabel}.`}
              <label className="grace">
                Keep files younger than{' '}
                <select value={grace} aria-label="Keep files younger than" onChange={(e) => (setGrace(Number(e.target.value)), check(Number(e.target.value)))}>
                  {GRACE.map((g) => (
                    <option key={g.hours} value={g.hours}>
                      {g.label}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <button type="button" className="btn small danger-outline" disabled={busy || storage.gc.count === 0} onClick={() => setConfirming(true)}>
              Delete {storage.gc.count > 0 ? plural(storage.gc.count, 'file') : 'files'}…
            </button>
          </div>
        )}
      </div>
      {error && <ErrorNotice error={error} compact />}
      {confirming && storage && (
        <ConfirmDialog
          title={`Delete ${plural(storage.gc.count, 'file')} from the remote?`}
          confirm={`Delete and free ${formatBytes(storage.gc.bytes)}`}
          tone="danger"
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            const { deleted, bytes } = await sync.getState().collectGarbage(grace);
            ui.getState().notify({ tone: 'success', text: `Deleted ${plural(deleted, 'file')} · freed ${formatBytes(bytes)}` });
          }}
        >
          <p>
            These batch files of this device are all in a trusted snapshot and older than {graceLabel}. A device that has not caught up yet
            starts from the snapshot instead. Nothing is lost.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
