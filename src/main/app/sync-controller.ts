// Sync as the app runs it: one remote operation at a time per database (sync,
// snapshot, gc, changing the remote), progress pushed as throttled events,
// the outcome kept for the status screen, and automatic sync planned from the
// person's settings. The engine's syncDatabase does the work: its I/O is
// async, so the window stays responsive; applying one large batch is a
// synchronous SQLite transaction (acceptable for now, see docs/app.md).

import { TidemarkError } from '../../shared/errors';
import type { SnapshotInfo, SyncProgressNotice, SyncRun, SyncSettings, SyncStatus, SyncTrigger } from '../../shared/sync-types';
import type { TidemarkDatabase } from '../engine/database';
import { timeOfId } from '../engine/hlc';
import { readRemoteSettings, requireRemoteSettings } from '../engine/sync/remote-settings';
import { readPushState } from '../engine/sync/sync-state';
import { syncDatabase, type SyncProgress } from '../engine/sync/sync';
import type { DatabaseEntry } from './app-state';
import { appHint, forApp } from './app-hints';
import { createAutoSync, defaultSettings } from './auto-sync';
import { closeRemote, connectRemote, type RemoteContext } from './remote-config';
import { openConflicts, pendingReplicas } from './replica-views';
import type { AppEvent } from './app-service';

/** At most one progress event per database in this many ms (plus the first and last). */
const PROGRESS_EVERY_MS = 100;

export interface SyncControllerDeps {
  context: RemoteContext;
  database(id: string): TidemarkDatabase;
  entry(id: string): DatabaseEntry;
  persist(): void;
  emit(event: AppEvent): void;
  /** The sidebar's badges may have changed: re-send the databases list. */
  announce(): void;
  onError(error: unknown): void;
  /** Timers, change debouncing and folder watching (off in most tests). */
  auto?: { enabled: boolean; debounceMs?: number; startupDelayMs?: number };
}

interface Running {
  progress: SyncProgressNotice;
  lastEmit: number;
}

export function createSyncController(deps: SyncControllerDeps) {
  const chains = new Map<string, Promise<unknown>>();
  const inflight = new Map<string, Promise<SyncRun>>();
  const running = new Map<string, Running>();
  const autoEnabled = deps.auto?.enabled ?? false;
  let closed = false;

  const settingsOf = (entry: DatabaseEntry, kind: 'folder' | 's3'): { settings: SyncSettings; isDefault: boolean } =>
    entry.sync ? { settings: entry.sync, isDefault: false } : { settings: defaultSettings(kind), isDefault: true };

  const auto = createAutoSync({
    run: (id, trigger) => controller.sync(id, trigger),
    settingsOf(id) {
      if (closed) return null;
      try {
        const db = deps.database(id);
        const remote = readRemoteSettings(db);
        if (!remote) return null;
        const folder = remote.config.kind === 'folder' ? remote.config.path : null;
        return { settings: settingsOf(deps.entry(id), remote.config.kind).settings, folder, self: db.uuid };
      } catch {
        return null; // removed or unavailable: nothing to plan
      }
    },
    debounceMs: deps.auto?.debounceMs,
    startupDelayMs: deps.auto?.startupDelayMs,
  });

  /** Runs remote work for one database after whatever is already queued for it. */
  function exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const next = (chains.get(id) ?? Promise.resolve()).catch(() => {}).then(work);
    const settled = next.catch(() => {});
    chains.set(id, settled);
    void settled.then(() => chains.get(id) === settled && chains.delete(id));
    return next;
  }

  const progressFor = (id: string, trigger: SyncTrigger) => {
    const state: Running = {
      progress: { databaseId: id, phase: 'connecting', replica: null, done: 0, total: 0, bytes: 0, trigger },
      lastEmit: 0,
    };
    running.set(id, state);
    const send = (force: boolean) => {
      const now = Date.now();
      if (!force && now - state.lastEmit < PROGRESS_EVERY_MS) return;
      state.lastEmit = now;
      deps.emit({ name: 'sync.progress', payload: { ...state.progress } });
    };
    send(true);
    return (p: SyncProgress) => {
      const changedPhase = p.phase !== state.progress.phase || (p.replica ?? null) !== state.progress.replica;
      state.progress = { ...state.progress, phase: p.phase, replica: p.replica ?? null, done: p.done, total: p.total, bytes: state.progress.bytes + p.bytes };
      send(changedPhase || p.done >= p.total);
    };
  };

  async function runSync(id: string, trigger: SyncTrigger, snapshot: 'auto' | 'force'): Promise<SyncRun> {
    const db = deps.database(id);
    const before = badges(db);
    let run: SyncRun;
    try {
      const settings = requireRemoteSettings(db);
      const onProgress = progressFor(id, trigger);
      const remote = await connectRemote(settings, deps.context);
      try {
        const summary = await syncDatabase(db, remote, { secrets: deps.context.secrets, encrypt: settings.encrypt, snapshot, onProgress });
        const problems = summary.problems.map((p) => ({ ...p, hint: appHint(p.hint) }));
        run = { at: new Date().toISOString(), trigger, ok: true, summary: { ...summary, problems }, error: null };
      } finally {
        closeRemote(remote);
      }
    } catch (error) {
      if (closed) throw error;
      if (!(error instanceof TidemarkError)) deps.onError(error);
      run = { at: new Date().toISOString(), trigger, ok: false, summary: null, error: detailOf(error) };
    } finally {
      running.delete(id);
    }
    if (closed) return run;
    const entry = deps.entry(id);
    entry.lastSync = run;
    if (run.ok) entry.lastSuccess = run.at;
    deps.persist();
    auto.schedule(id);
    deps.emit({ name: 'sync.finished', payload: { databaseId: id, run, status: controller.status(id) } });
    const pending = pendingReplicas(db);
    if (pending.length > 0 || before.pending > 0) deps.emit({ name: 'replicas.pending', payload: { databaseId: id, replicas: pending } });
    const after = badges(db);
    if (after.pending !== before.pending || after.conflicts !== before.conflicts) deps.announce();
    return run;
  }

  const controller = {
    exclusive,
    /** Syncs now, or joins the sync already queued or running; throws the sync's error. */
    async sync(id: string, trigger: SyncTrigger): Promise<SyncRun> {
      let promise = inflight.get(id);
      if (!promise) {
        promise = exclusive(id, () => runSync(id, trigger, 'auto')).finally(() => inflight.delete(id));
        inflight.set(id, promise);
      }
      const run = await promise;
      if (!run.ok && run.error) throw new TidemarkError(run.error);
      return run;
    },
    /** A sync that always publishes a snapshot of the whole log. */
    async publishSnapshot(id: string): Promise<{ run: SyncRun; snapshot: SnapshotInfo | null }> {
      const run = await exclusive(id, () => runSync(id, 'snapshot', 'force'));
      if (!run.ok && run.error) throw new TidemarkError(run.error);
      return { run, snapshot: snapshotOf(deps.database(id)) };
    },
    status(id: string): SyncStatus {
      const db = deps.database(id);
      const entry = deps.entry(id);
      const remote = readRemoteSettings(db);
      const { settings, isDefault } = settingsOf(entry, remote?.config.kind ?? 'folder');
      const counts = badges(db);
      return {
        databaseId: id,
        configured: remote !== null,
        progress: running.get(id)?.progress ?? null,
        settings,
        defaultSettings: isDefault,
        last: entry.lastSync ?? null,
        lastSuccess: entry.lastSuccess ?? null,
        nextAt: auto.nextAt(id),
        pendingReplicas: counts.pending,
        openConflicts: counts.conflicts,
        snapshot: snapshotOf(db),
      };
    },
    setSettings(id: string, settings: SyncSettings): SyncStatus {
      deps.entry(id).sync = { intervalMinutes: settings.intervalMinutes, onChange: settings.onChange };
      deps.persist();
      controller.planned(id);
      return controller.status(id);
    },
    /** After the database is opened, or its remote or settings changed. */
    planned(id: string, options: { startup?: boolean } = {}) {
      if (autoEnabled) auto.schedule(id, options);
    },
    localCommit(id: string) {
      if (autoEnabled) auto.changed(id);
    },
    /** After a decision about a replica: badges, and a sync that applies and publishes it. */
    decided(id: string) {
      const db = deps.database(id);
      deps.emit({ name: 'replicas.pending', payload: { databaseId: id, replicas: pendingReplicas(db) } });
      deps.announce();
      if (readRemoteSettings(db)) void controller.sync(id, 'decision').catch(() => {});
    },
    /** A conflict was settled (or similar): the sidebar's badges may have changed. */
    badgesChanged() {
      deps.announce();
    },
    forget(id: string) {
      auto.stop(id);
    },
    close() {
      closed = true;
      auto.close();
    },
  };
  return controller;
}

export type SyncController = ReturnType<typeof createSyncController>;

function badges(db: TidemarkDatabase): { pending: number; conflicts: number } {
  return { pending: pendingReplicas(db).length, conflicts: openConflicts(db) };
}

function snapshotOf(db: TidemarkDatabase): SnapshotInfo | null {
  const snapshot = readPushState(db.sqlite).snapshot;
  return snapshot ? { file: snapshot.file, time: timeOfId(snapshot.last), changes: snapshot.count, bytes: snapshot.bytes } : null;
}

function detailOf(error: unknown) {
  if (error instanceof TidemarkError) return forApp(error.detail);
  return { kind: 'internal' as const, message: (error as Error)?.message ?? String(error), hint: 'Try again; if it persists, report it with the steps that led here.' };
}
