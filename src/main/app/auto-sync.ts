// Automatic sync: on an interval, a moment after local commits, and — for a
// folder remote — when another device writes its head into the folder. Timers
// and watchers only; the sync itself is the controller's. Nothing polls the
// database, and a folder watcher costs no requests at all.

import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { SyncSettings, SyncTrigger } from '../../shared/sync-types';

export interface AutoSyncOptions {
  /** Starts a sync (the controller joins one already running). */
  run(id: string, trigger: SyncTrigger): Promise<unknown>;
  /** The database's settings, or null while it has no remote. */
  settingsOf(id: string): { settings: SyncSettings; folder: string | null; self: string } | null;
  /** Wait after the last local commit before syncing (default 1.5 s). */
  debounceMs?: number;
  /** First interval sync after the database is opened (default 5 s). */
  startupDelayMs?: number;
}

interface Schedule {
  interval?: NodeJS.Timeout;
  nextAt: number | null;
  debounce?: NodeJS.Timeout;
  watcher?: FSWatcher;
  watched?: string;
}

export interface AutoSync {
  /** (Re)plans a database's timers and folder watcher from its settings. */
  schedule(id: string, options?: { startup?: boolean }): void;
  /** A local commit: sync soon if "on change" is on. */
  changed(id: string): void;
  nextAt(id: string): number | null;
  stop(id: string): void;
  close(): void;
}

export function createAutoSync(options: AutoSyncOptions): AutoSync {
  const debounceMs = options.debounceMs ?? 1500;
  const startupDelayMs = options.startupDelayMs ?? 5000;
  const schedules = new Map<string, Schedule>();
  let closed = false;

  const entry = (id: string): Schedule => {
    let s = schedules.get(id);
    if (!s) schedules.set(id, (s = { nextAt: null }));
    return s;
  };
  const run = (id: string, trigger: SyncTrigger) =>
    void options.run(id, trigger).catch(() => {
      // The outcome (and its error) is in the sync status and the sync.finished event.
    });

  const debounced = (id: string, trigger: SyncTrigger) => {
    const s = entry(id);
    clearTimeout(s.debounce);
    s.debounce = setTimeout(() => ((s.debounce = undefined), run(id, trigger)), debounceMs);
    s.debounce.unref();
  };

  const watchFolder = (id: string, folder: string | null, self: string) => {
    const s = entry(id);
    const target = folder ? join(folder, 'replicas') : undefined;
    if (s.watched === target && s.watcher) return;
    s.watcher?.close();
    s.watcher = undefined;
    s.watched = undefined;
    if (!target) return;
    try {
      // Only other replicas' heads: ours changes on every push of this device, and
      // temp or lock files come and go while anyone writes.
      s.watcher = watch(target, { persistent: false }, (_event, name) => {
        const file = name?.toString() ?? '';
        if (/^[0-9a-f-]{36}\.json$/.test(file) && file !== `${self}.json`) debounced(id, 'remote-change');
      });
      s.watcher.on('error', () => {
        s.watcher?.close();
        s.watcher = undefined;
      });
      s.watched = target;
    } catch {
      // No replicas/ folder yet (before the first sync) or no watches left: the
      // interval still syncs, and the next schedule() tries again.
    }
  };

  const auto: AutoSync = {
    schedule(id, { startup = false } = {}) {
      if (closed) return;
      // First: reading the settings may open the database, which plans it too.
      const found = options.settingsOf(id);
      const s = entry(id);
      clearTimeout(s.interval);
      s.interval = undefined;
      s.nextAt = null;
      if (!found?.settings.onChange) {
        clearTimeout(s.debounce); // turned off: a change made just before does not sync by itself
        s.debounce = undefined;
      }
      const minutes = found?.settings.intervalMinutes ?? null;
      watchFolder(id, found?.settings.onChange ? found.folder : null, found?.self ?? '');
      if (!found || minutes === null) return;
      const delay = startup ? Math.min(startupDelayMs, minutes * 60_000) : minutes * 60_000;
      s.nextAt = Date.now() + delay;
      s.interval = setTimeout(() => {
        s.interval = undefined;
        s.nextAt = null;
        run(id, startup ? 'startup' : 'interval'); // the controller plans the next one when it ends
      }, delay);
      s.interval.unref();
    },
    changed(id) {
      if (closed || !options.settingsOf(id)?.settings.onChange) return;
      debounced(id, 'change');
    },
    nextAt: (id) => schedules.get(id)?.nextAt ?? null,
    stop(id) {
      const s = schedules.get(id);
      if (!s) return;
      clearTimeout(s.interval);
      clearTimeout(s.debounce);
      s.watcher?.close();
      schedules.delete(id);
    },
    close() {
      closed = true;
      for (const id of [...schedules.keys()]) auto.stop(id);
    },
  };
  return auto;
}

export function defaultSettings(kind: 'folder' | 's3'): SyncSettings {
  // A folder costs nothing to look at; S3 requests are billed, so the person opts in.
  return kind === 'folder' ? { intervalMinutes: 5, onChange: true } : { intervalMinutes: null, onChange: false };
}
