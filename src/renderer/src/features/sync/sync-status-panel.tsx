// "Sync now", the progress of the sync running (changes and bytes), and what
// the last one did: counts, requests, bytes, each problem with what to do.

import { useStore } from 'zustand';
import type { SyncProgressNotice, SyncStatus } from '../../../../shared/sync-types';
import { shortId } from '../../../../shared/value-format';
import { ErrorNotice } from '../../components/error-notice';
import { formatAgo, formatBytes, formatFullTime, plural } from '../../components/format';
import { Icon } from '../../components/icons';
import { useNow } from '../../components/use-now';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';

export function SyncStatusPanel({ status }: { status: SyncStatus }) {
  const { sync, replicas, ui } = useStores();
  const progress = useStore(sync, (s) => s.progress);
  const known = useStore(replicas, (s) => s.replicas);
  const nameOf = (id: string) => known.find((r) => r.replica === id)?.name || shortId(id);
  const now = useNow();
  const last = status.last;
  const summary = last?.summary ?? null;

  const syncNow = async () => {
    try {
      const run = await sync.getState().syncNow();
      const s = run.summary!;
      ui.getState().notify({ tone: 'success', text: `Synced · ${plural(s.pushed, 'change')} pushed, ${s.pulled.toLocaleString()} pulled` });
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: 'Sync failed', detail: detailOf(e) });
    }
  };

  const headline = progress ? 'Syncing…' : !last ? 'Not synced yet' : last.ok ? `Synced ${formatAgo(Date.parse(last.at), now)}` : 'The last sync failed';
  return (
    <section className="panel sync-status" aria-label="Sync status">
      <div className="sync-now-row">
        <div className={`sync-state ${progress ? 'running' : last && !last.ok ? 'failed' : last ? 'ok' : ''}`}>
          <Icon name={progress ? 'sync' : last && !last.ok ? 'alert' : last ? 'check' : 'clock'} size={18} />
        </div>
        <div className="sync-headline">
          <div className="sync-title" title={last ? formatFullTime(Date.parse(last.at)) : undefined}>
            {headline}
          </div>
          <div className="sync-sub">
            {progress ? describe(progress, nameOf) : last && !last.ok && status.lastSuccess ? `Last successful sync ${formatAgo(Date.parse(status.lastSuccess), now)}` : triggerText(last?.trigger)}
          </div>
        </div>
        <button type="button" className="btn primary" onClick={syncNow} disabled={progress !== null}>
          <Icon name="sync" /> Sync now
        </button>
      </div>
      {progress && <ProgressBar progress={progress} />}
      {!progress && last?.error && <ErrorNotice error={last.error} compact />}
      {summary && !progress && (
        <dl className="sync-stats">
          <Stat label="Pushed" value={summary.pushed.toLocaleString()} />
          <Stat label="Pulled" value={summary.pulled.toLocaleString()} />
          <Stat label="Other devices" value={summary.replicas.toLocaleString()} />
          <Stat label="Requests" value={summary.requests.toLocaleString()} />
          <Stat label="Up / down" value={`${formatBytes(summary.bytesUp)} / ${formatBytes(summary.bytesDown)}`} />
          <Stat label="Took" value={summary.durationMs < 1000 ? `${summary.durationMs} ms` : `${(summary.durationMs / 1000).toFixed(1)} s`} />
        </dl>
      )}
      {status.pendingReplicas > 0 && (
        <div className="sync-note attention">
          <Icon name="shield" />
          <span>{plural(status.pendingReplicas, 'device')} waiting for your approval. Their changes are not applied until you compare fingerprints.</span>
          <button type="button" className="btn small" onClick={() => ui.getState().setTab('devices')}>
            Review…
          </button>
        </div>
      )}
      {status.openConflicts > 0 && (
        <div className="sync-note">
          <Icon name="conflict" />
          <span>{plural(status.openConflicts, 'concurrent edit')} to look at.</span>
          <button type="button" className="btn small" onClick={() => ui.getState().setTab('conflicts')}>
            Open conflicts…
          </button>
        </div>
      )}
      {summary?.problems.map((p) => (
        <div className="sync-note problem" key={p.replica}>
          <Icon name="alert" />
          <div>
            <div>
              <strong>{nameOf(p.replica)}</strong> is quarantined: {p.message}
            </div>
            <div className="muted small">{p.hint}</div>
          </div>
        </div>
      ))}
      {summary?.warnings.map((w, i) => (
        <div className="sync-note" key={i}>
          <Icon name="alert" />
          <span>{w}</span>
        </div>
      ))}
    </section>
  );
}

function ProgressBar({ progress }: { progress: SyncProgressNotice }) {
  // Indexing says nothing until it ends: a bar that moves, not one stuck at the start.
  const measured = progress.total > 0 && !(progress.phase === 'index' && progress.done < progress.total);
  const fraction = measured ? Math.min(1, progress.done / progress.total) : null;
  return (
    <div
      className={`progress${fraction === null ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label="Sync progress"
      aria-valuemin={0}
      aria-valuemax={progress.total || undefined}
      aria-valuenow={fraction === null ? undefined : progress.done}
    >
      <div className="progress-fill" style={fraction === null ? undefined : { width: `${Math.max(2, fraction * 100)}%` }} />
    </div>
  );
}

function describe(p: SyncProgressNotice, nameOf: (id: string) => string): string {
  const bytes = p.bytes > 0 ? ` · ${formatBytes(p.bytes)}` : '';
  if (p.phase === 'connecting') return 'Comparing with the remote…';
  if (p.phase === 'pull') return `Pulling from ${p.replica ? nameOf(p.replica) : 'other devices'}: ${p.done.toLocaleString()} of ${p.total.toLocaleString()} changes${bytes}`;
  if (p.phase === 'index') return `Indexing the ${plural(p.total, 'change')} received, for history and merges…`;
  return `Pushing ${p.done.toLocaleString()} of ${p.total.toLocaleString()} changes${bytes}`;
}

function triggerText(trigger: string | undefined): string {
  switch (trigger) {
    case undefined:
      return 'Sync to send this device’s changes and receive the others’.';
    case 'manual':
      return 'Started by you';
    case 'change':
      return 'Automatic, after a change on this device';
    case 'remote-change':
      return 'Automatic, after another device wrote to the folder';
    case 'decision':
      return 'After a decision about a device';
    case 'snapshot':
      return 'With a snapshot';
    default:
      return 'Automatic';
  }
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
