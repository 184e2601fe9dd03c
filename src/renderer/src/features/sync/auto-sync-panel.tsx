// Automatic sync for this database: after local changes (and, for a folder,
// when another device writes to it) and/or on an interval.

import { useStores } from '../../stores/context';
import type { SyncStatus } from '../../../../shared/sync-types';
import { formatIn } from '../../components/format';
import { useNow } from '../../components/use-now';
import { detailOf } from '../../stores/errors';

const INTERVALS: Array<{ minutes: number | null; label: string }> = [
  { minutes: null, label: 'Never' },
  { minutes: 1, label: 'Every minute' },
  { minutes: 5, label: 'Every 5 minutes' },
  { minutes: 15, label: 'Every 15 minutes' },
  { minutes: 60, label: 'Every hour' },
  { minutes: 360, label: 'Every 6 hours' },
];

export function AutoSyncPanel({ status, kind }: { status: SyncStatus; kind: 'folder' | 's3' }) {
  const { sync, ui } = useStores();
  const { settings } = status;
  const now = useNow();
  const choices = INTERVALS.some((i) => i.minutes === settings.intervalMinutes)
    ? INTERVALS
    : [...INTERVALS, { minutes: settings.intervalMinutes, label: `Every ${settings.intervalMinutes} minutes` }];
  const save = async (change: Partial<typeof settings>) => {
    try {
      await sync.getState().setSettings({ ...settings, ...change });
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: 'Could not change automatic sync', detail: detailOf(e) });
    }
  };
  return (
    <section className="panel">
      <header className="panel-header">
        <div>
          <h2>Automatic sync</h2>
          <p className="panel-sub">
            {status.defaultSettings
              ? kind === 'folder'
                ? 'On by default for a folder: looking costs nothing.'
                : 'Off by default for S3: every sync costs at least one request.'
              : 'As you chose for this database on this device.'}
          </p>
        </div>
      </header>
      <div className="auto-sync">
        <label className="check">
          <input type="checkbox" checked={settings.onChange} onChange={(e) => void save({ onChange: e.target.checked })} />
          After changes on this device{kind === 'folder' ? ', and as soon as another device writes to the folder' : ''}
        </label>
        <label className="auto-interval">
          <span>Also</span>
          <select
            aria-label="Sync interval"
            value={settings.intervalMinutes ?? ''}
            onChange={(e) => void save({ intervalMinutes: e.target.value === '' ? null : Number(e.target.value) })}
          >
            {choices.map((c) => (
              <option key={c.label} value={c.minutes ?? ''}>
                {c.label}
              </option>
            ))}
          </select>
          {status.nextAt && <span className="muted">next {formatIn(status.nextAt, now)}</span>}
        </label>
      </div>
    </section>
  );
}
