// The app's service, with no Electron in it: the databases the app lists, their
// open engine handles, and the events the UI listens to. The desktop window
// and `tidemark serve` both drive this same object through the same gate.

import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { AppInfo, DatabaseSummary, FileInspection } from '../../shared/app-types';
import type { EventName, EventPayload } from '../../shared/contract';
import { TidemarkError, type TidemarkErrorDetail } from '../../shared/errors';
import { openDatabase, type TidemarkDatabase } from '../engine/database';
import type { SecretStore } from '../engine/secrets/secret-store';
import { loadState, newDatabaseId, saveState, type AppState, type DatabaseEntry } from './app-state';
import { watchExternalWrites } from './external-writes';
import { inspectFile } from './inspect-file';
import { databasesDirOf, remoteFolderOf, resolveUserPath, stateFileOf } from './paths';
import type { RemoteContext } from './remote-config';
import { createReplicaViews, openConflicts, pendingReplicas, type ReplicaViews } from './replica-views';
import { createSampleDatabase } from './sample-database';
import { createSyncController, type SyncController } from './sync-controller';

export type AppEvent = { [E in EventName]: { name: E; payload: EventPayload<E> } }[EventName];

export interface AppServiceOptions {
  dataDir: string;
  host: AppInfo['host'];
  version: string;
  /** Notice writes by other programs as they happen (default true). */
  watchFiles?: boolean;
  /** Where unexpected errors go (a log); they never reach the UI as stack traces. */
  onError?: (error: unknown) => void;
  /** Private keys, trusted keys and S3 credentials: the OS keychain in the app, memory in tests. */
  secrets: SecretStore;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY here override the keychain (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Automatic sync (interval, on change, folder watching); off unless enabled. */
  autoSync?: { enabled: boolean; debounceMs?: number; startupDelayMs?: number };
}

export interface AppService {
  info(): AppInfo;
  listDatabases(): DatabaseSummary[];
  inspect(path: string): FileInspection;
  createDatabase(path: string, replicaName?: string): DatabaseSummary;
  /** Opens a Tidemark database or adopts a plain SQLite file. */
  openDatabase(path: string): DatabaseSummary;
  removeDatabase(id: string): boolean;
  setReplicaName(id: string, name: string): DatabaseSummary;
  /** The open engine handle of a listed database; throws the reason it cannot open. */
  database(id: string): TidemarkDatabase;
  track(id: string, tables: readonly string[]): { table: string; changes: number }[];
  untrack(id: string, table: string): void;
  /** First run only: the sample database and the default remote folder. */
  ensureWelcome(): DatabaseSummary | null;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Remote operations, one at a time per database, and automatic sync. */
  sync: SyncController;
  replicas: ReplicaViews;
  remoteContext: RemoteContext;
  close(): void;
}

interface Handle {
  db: TidemarkDatabase;
  release: () => void;
}

export function createAppService(options: AppServiceOptions): AppService {
  const { dataDir } = options;
  const stateFile = stateFileOf(dataDir);
  const loaded = loadState(stateFile);
  const state: AppState = loaded.state;
  const handles = new Map<string, Handle>();
  const listeners = new Set<(event: AppEvent) => void>();
  const onError = options.onError ?? (() => {});
  const remoteContext: RemoteContext = {
    secrets: options.secrets,
    env: options.env ?? process.env,
    remoteRoot: state.remoteFolder ?? remoteFolderOf(dataDir),
  };

  const emit = (event: AppEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        onError(error);
      }
    }
  };
  const persist = () => saveState(stateFile, state);
  const entryOf = (id: string): DatabaseEntry => {
    const entry = state.databases.find((d) => d.id === id);
    if (!entry) {
      throw new TidemarkError({ kind: 'invalid-input', field: 'databaseId', message: 'this database is not in the app', hint: 'It may have been removed in another window; reload the list.' });
    }
    return entry;
  };
  const userPath = (input: string) => resolveUserPath(input, databasesDirOf(dataDir));
  const samePath = (a: string, b: string) => canonical(a) === canonical(b);

  const attach = (entry: DatabaseEntry): TidemarkDatabase => {
    const existing = handles.get(entry.id);
    if (existing) return existing.db;
    const db = openDatabase(entry.path, { requireInitialized: true });
    const stopCommits = db.onCommit((event) => {
      emit({ name: 'commit', payload: { databaseId: entry.id, source: event.source, changes: event.changes, tables: event.tables } });
      if (event.source === 'local') sync.localCommit(entry.id);
    });
    const stopWatching =
      options.watchFiles === false
        ? () => {}
        : watchExternalWrites(db, () => emit({ name: 'database.externalWrite', payload: { databaseId: entry.id } }), onError);
    handles.set(entry.id, { db, release: () => (stopCommits(), stopWatching(), db.close()) });
    if (state.databases.includes(entry)) sync.planned(entry.id, { startup: true });
    return db;
  };

  const summary = (entry: DatabaseEntry): DatabaseSummary => {
    try {
      const db = attach(entry);
      return {
        id: entry.id,
        path: entry.path,
        title: titleOf(entry.path),
        replicaName: db.name(),
        uuid: db.uuid,
        available: true,
        error: null,
        trackedTables: db.trackedShapes().length,
        pendingReplicas: pendingReplicas(db).length,
        openConflicts: openConflicts(db),
      };
    } catch (error) {
      return {
        id: entry.id,
        path: entry.path,
        title: titleOf(entry.path),
        replicaName: '',
        uuid: null,
        available: false,
        error: errorDetail(error),
        trackedTables: 0,
        pendingReplicas: 0,
        openConflicts: 0,
      };
    }
  };
  const listDatabases = () => state.databases.map(summary);
  const announce = () => emit({ name: 'databases.changed', payload: listDatabases() });

  const add = (path: string): DatabaseSummary => {
    const known = state.databases.find((d) => samePath(d.path, path));
    if (known) return summary(known);
    const entry: DatabaseEntry = { id: newDatabaseId(), path, addedAt: new Date().toISOString() };
    attach(entry); // throws before the entry is listed when the file cannot be used
    state.databases.push(entry);
    persist();
    sync.planned(entry.id, { startup: true });
    announce();
    return summary(entry);
  };

  const sync = createSyncController({
    context: remoteContext,
    database: (id) => service.database(id),
    entry: entryOf,
    persist,
    emit,
    announce,
    onError,
    auto: options.autoSync,
  });

  const service: AppService = {
    info: () => ({
      version: options.version,
      host: options.host,
      dataDir,
      databasesDir: databasesDirOf(dataDir),
      remoteFolder: state.remoteFolder,
      platform: process.platform,
    }),
    listDatabases,
    inspect(input) {
      const path = userPath(input);
      return inspectFile(path, state.databases.some((d) => samePath(d.path, path)));
    },
    createDatabase(input, replicaName) {
      const path = userPath(input);
      if (existsSync(path)) {
        throw new TidemarkError({ kind: 'invalid-input', field: 'path', message: `a file already exists at ${path}`, hint: 'Choose another name, or use "Open" to add the existing file.' });
      }
      if (dirname(path) === databasesDirOf(dataDir)) mkdirSync(dirname(path), { recursive: true });
      openDatabase(path, { create: true, name: replicaName }).close();
      return add(path);
    },
    openDatabase(input) {
      const path = userPath(input);
      if (!existsSync(path)) {
        throw new TidemarkError({ kind: 'database-missing', path, hint: 'Check the path, or use "New database" to create one there.' });
      }
      const known = state.databases.find((d) => samePath(d.path, path));
      if (known) return summary(known);
      openDatabase(path, {}).close(); // adopts a plain SQLite file: adds the ZV_ tables, user tables untouched
      return add(path);
    },
    removeDatabase(id) {
      const index = state.databases.findIndex((d) => d.id === id);
      if (index < 0) return false;
      sync.forget(id);
      handles.get(id)?.release();
      handles.delete(id);
      state.databases.splice(index, 1);
      persist();
      announce();
      return true;
    },
    setReplicaName(id, name) {
      const db = service.database(id);
      db.setName(name);
      announce();
      return summary(entryOf(id));
    },
    database: (id) => attach(entryOf(id)),
    track(id, tables) {
      const result = service.database(id).track(tables);
      announce();
      return result;
    },
    untrack(id, table) {
      service.database(id).untrack(table);
      announce();
    },
    ensureWelcome() {
      if (state.welcomed) return null;
      state.welcomed = true;
      if (state.databases.length > 0) {
        persist(); // someone who already has databases needs no sample
        return null;
      }
      const remote = remoteFolderOf(dataDir);
      mkdirSync(remote, { recursive: true });
      state.remoteFolder = remote;
      remoteContext.remoteRoot = remote;
      persist();
      const path = join(databasesDirOf(dataDir), 'Getting started.db');
      if (existsSync(path)) return add(path);
      mkdirSync(databasesDirOf(dataDir), { recursive: true });
      createSampleDatabase(path);
      return add(path);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    sync,
    replicas: createReplicaViews(options.secrets),
    remoteContext,
    close() {
      sync.close();
      for (const handle of handles.values()) handle.release();
      handles.clear();
      listeners.clear();
    },
  };
  if (loaded.firstRun) persist();
  return service;
}

function titleOf(path: string): string {
  return basename(path, extname(path)) || basename(path);
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export function errorDetail(error: unknown): TidemarkErrorDetail {
  if (error instanceof TidemarkError) return error.detail;
  return { kind: 'internal', message: (error as Error)?.message ?? String(error), hint: 'Try again; if it persists, report it with the steps that led here.' };
}
