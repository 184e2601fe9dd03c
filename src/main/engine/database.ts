// A synced database: one better-sqlite3 connection, its clock, and the local
// half of the engine. Every entry point turns pending captures into changes
// first, runs in one SQLite transaction, and tells listeners after commit.

import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { TidemarkError } from '../../shared/errors';
import type { Change, DatabaseStatus, HistoryPage, HistoryQuery, TableInfo, WriteOp } from '../../shared/types';
import { flushPending } from './capture';
import { BULK_CACHE_KIB, createChangeLog, ENGINE_CACHE_KIB, ENGINE_WAL_CHECKPOINT_PAGES, INCOMING_CACHE_KIB, type ChangeLog } from './change-log';
import { createHistory } from './history';
import { createHlc, systemClock, type Clock, type Hlc } from './hlc';
import { createMaterializer, type EntityToWrite } from './materialize';
import { applyToLog, type ApplyResult } from './merge';
import { installSchema, META, readMeta, writeMeta } from './schema';
import { inspectTable, listUserTables, type TableShape } from './tables';
import { readTrackedShapes, refreshShapes, requireTrackable, trackTable, type TrackContext } from './tracking';
import { dropTriggers, withCaptureOff } from './triggers';
import { applyWrites, type WriteResult } from './write-api';
import { countChanges } from './status';
import { createConflictDetector } from './conflicts';
import { emptyApplyResult, recoverBulkLoad, startBulkLoad, type BulkLoad } from './bulk-load';

export interface OpenOptions {
  /** Create the file when it does not exist (default: false). */
  create?: boolean;
  /** Refuse a SQLite file that was never initialized, instead of adopting it. */
  requireInitialized?: boolean;
  /** Human name of this replica, set when the database is first initialized. */
  name?: string;
  clock?: Clock;
}

export interface CommitEvent {
  source: 'local' | 'remote';
  changes: number;
  tables: string[];
}

/** A SQLite file of remote changes (a batch or a snapshot) whose rows were all checked. */
export interface ChangeFile {
  /** Its path: a joining device attaches it and copies the rows inside SQLite. */
  path: string;
  /** The same changes in id order, in chunks, for a device that already holds some. */
  chunks(): Iterable<readonly Change[]>;
  /** Each entity of the file once, with its newest values there (read by the file's own connections). */
  latest(): Iterable<EntityToWrite>;
  /** The same newest values written beside it (latest-entities.ts), when they were: a joining device writes rows from them inside SQLite. */
  latestPath?: string | null;
}

export interface TidemarkDatabase {
  readonly path: string;
  readonly uuid: string;
  readonly sqlite: Database;
  readonly hlc: Hlc;
  /** The wall clock this database's ids are stamped against. */
  readonly clock: Clock;
  readonly log: ChangeLog;
  name(): string;
  setName(name: string): void;
  /** Turns pending captures into changes; returns how many were made. */
  refresh(): number;
  track(tables: readonly string[]): { table: string; changes: number }[];
  untrack(table: string): void;
  tables(): TableInfo[];
  trackedShapes(): TableShape[];
  write(ops: readonly WriteOp[]): WriteResult;
  /** Merges changes; `alongside` runs in the same SQLite transaction (e.g. to move a sync cursor). */
  applyChanges(changes: readonly Change[], alongside?: (result: ApplyResult) => void): ApplyResult;
  /**
   * Merges changes that arrive in chunks (a snapshot of millions) in ONE
   * transaction without holding them all in memory; `alongside` runs in it too.
   */
  applyChunks(chunks: Iterable<readonly Change[]>, alongside?: (result: ApplyResult) => void): ApplyResult;
  /**
   * Merges a file of changes in one transaction. A database whose log is empty
   * (a joining device) takes files in bulk until endBulkLoad() or any other
   * write (bulk-load.ts).
   */
  applyFile(file: ChangeFile, alongside?: (result: ApplyResult) => void): ApplyResult;
  /**
   * Ends a bulk load: builds the index it set aside and the rows left for the
   * end (seconds for a million changes: `starting` hears how many changes the
   * load took in before it begins). Returns that count, null when no load was under way.
   */
  endBulkLoad(starting?: (changes: number) => void, options?: EndBulkLoadOptions): number | null;
  /** Resolves once work this database started in the background (endBulkLoad's checkpoint) has ended. */
  settled(): Promise<void>;
  /** Whether the next file would go in as a bulk load: a load is under way, or the log is empty. */
  joining(): boolean;
  /** Runs `work` in one transaction after a refresh, with remote changes applied through `apply`. */
  transaction<T>(work: () => T): T;
  history(query: HistoryQuery): HistoryPage;
  status(): DatabaseStatus;
  onCommit(listener: (event: CommitEvent) => void): () => void;
  close(): void;
}

export interface EndBulkLoadOptions {
  /**
   * Copies the WAL of the database at the path into its file, off this
   * thread. The load's last commit then leaves it to this, not to this
   * connection's automatic checkpoint, which waits until it has ended.
   */
  checkpointElsewhere?: (path: string) => Promise<void>;
}

export function openDatabase(path: string, options: OpenOptions = {}): TidemarkDatabase {
  const fullPath = resolve(path);
  const sqlite = connect(fullPath, options.create ?? false);
  const clock = options.clock ?? systemClock;
  try {
    if (options.requireInitialized && !isInitialized(sqlite)) {
      throw new TidemarkError({ kind: 'not-initialized', path: fullPath, hint: `Set it up first: tidemark init ${path}` });
    }
    return initialize(sqlite, fullPath, clock, options.name);
  } catch (error) {
    sqlite.close();
    throw mapOpenError(error, fullPath);
  }
}

function connect(path: string, create: boolean): Database {
  if (!create && !existsSync(path)) {
    throw new TidemarkError({ kind: 'database-missing', path, hint: 'Check the path, or create it with `tidemark init <db>`.' });
  }
  if (!existsSync(dirname(path))) {
    throw new TidemarkError({ kind: 'database-missing', path, hint: `The folder ${dirname(path)} does not exist: create it first, or choose another path.` });
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new TidemarkError({ kind: 'not-sqlite', path, hint: 'That is a folder; give the path of a database file.' });
  }
  try {
    const sqlite = new BetterSqlite3(path);
    sqlite.pragma('busy_timeout = 5000');
    return sqlite;
  } catch (error) {
    throw mapOpenError(error, path);
  }
}

/**
 * Page size of a database the engine creates (an existing file keeps its
 * own; in WAL mode it cannot change). The log keeps four B-trees per change;
 * with 8 KiB pages they split, link and commit half as many pages, and a
 * joining device applies a million changes about 2 s faster. Plain inserts
 * into the same file gain too. 16 KiB pages made the write API slower: its
 * writes land on random pages (docs/performance.md, round 6).
 */
export const NEW_DATABASE_PAGE_SIZE = 8192;

/** The engine connection's durability outside a join (initialize says why). */
export const DURABLE_SYNC = 'FULL';

function initialize(sqlite: Database, path: string, clock: Clock, name: string | undefined): TidemarkDatabase {
  // Only an empty file takes a page size: nothing was written yet, so nothing else chose one.
  if (sqlite.pragma('page_count', { simple: true }) === 0) sqlite.pragma(`page_size = ${NEW_DATABASE_PAGE_SIZE}`);
  sqlite.pragma('journal_mode = WAL');
  // Every commit is on disk before the engine goes on: a push uploads what was
  // committed. better-sqlite3 builds SQLite to run WAL databases with
  // synchronous = NORMAL, where a power cut can take back the last commits,
  // changes already pushed among them; the next push would then find its own
  // head ahead of it and refuse.
  sqlite.pragma(`synchronous = ${DURABLE_SYNC}`);
  // Remote changes must apply whatever order parents and children arrive in;
  // foreign keys stay the app's business on its own connections.
  sqlite.pragma('foreign_keys = OFF');
  let hlc: Hlc = createHlc({ now: () => clock.now() });
  // IMMEDIATE: a first init of a file another program is writing waits for it instead of failing.
  sqlite.transaction(() => installSchema(sqlite, () => hlc.next(), name ?? defaultReplicaName())).immediate();
  if (name !== undefined) writeMeta(sqlite, META.replicaName, name);

  const log = createChangeLog(sqlite);
  hlc = createHlc({ now: () => clock.now(), seen: log.maxId() });
  const uuid = readMeta(sqlite, META.databaseUuid)!;
  const shapes = readTrackedShapes(sqlite);
  const remote = createMaterializer(sqlite, log, (t) => shapes.get(t), { strict: false });
  const ctx: TrackContext = { db: sqlite, log, hlc, author: uuid, materializer: remote, shapes };
  const listeners = new Set<(event: CommitEvent) => void>();
  const queryHistory = createHistory(sqlite);
  const conflicts = createConflictDetector(sqlite);

  const notify = (event: CommitEvent) => {
    if (event.changes === 0) return;
    for (const listener of listeners) listener(event);
  };

  // Another program may ALTER a tracked table at any time: notice it by the
  // schema version, so new columns are captured and filled from the log.
  let knownSchemaVersion = -1;
  const schemaVersion = sqlite.prepare('PRAGMA schema_version').pluck();

  // A joining device's bulk load (bulk-load.ts): ended by the first
  // transaction that writes anything but files of changes, since every other
  // writer needs the indexes it set aside.
  let bulk: BulkLoad | null = null;
  /** Work started in the background: settled() waits for it. */
  let background: Promise<void> = Promise.resolve();
  /** Changes the bulk load under way has taken in. */
  let bulkChanges = 0;
  // While joining, a commit need not wait for the disk: after a power loss the
  // last files are pulled again (WAL keeps the database whole; SQLite's
  // synchronous = NORMAL). And with no index lookups a small page cache does:
  // 65 MB less peak memory for a million changes, no slower. Both are put back
  // when the load ends.
  const joinSettings = (joining: boolean) => {
    sqlite.pragma(`synchronous = ${joining ? 'NORMAL' : DURABLE_SYNC}`);
    sqlite.pragma(`cache_size = -${joining ? BULK_CACHE_KIB : ENGINE_CACHE_KIB}`);
  };
  const hasPending = sqlite.prepare('SELECT 1 FROM ZV_PENDING LIMIT 1').pluck();

  // Flushes captures into the same transaction as the work that follows. If
  // the work fails, the in-memory table shapes are re-read: they may have
  // changed inside the transaction that was rolled back.
  const inTransaction = <T>(work: () => T, options: { keepBulk?: boolean } = {}): { value: T; captured: number; capturedTables: string[] } => {
    let captured = 0;
    let capturedTables: string[] = [];
    let value: T;
    let ended: ApplyResult | null = null;
    const before = bulk;
    try {
      value = sqlite.transaction(() => {
        if (bulk && (!options.keepBulk || hasPending.get() !== undefined)) {
          const finishing = bulk;
          ended = withCaptureOff(sqlite, () => finishing.finish()); // its rows are the log's, not new writes
          bulk = null;
        }
        const flushed = flushPending(sqlite, log, hlc, uuid);
        captured = flushed.changes;
        capturedTables = [...flushed.tables];
        return withCaptureOff(sqlite, () => {
          const version = schemaVersion.get() as number;
          if (version !== knownSchemaVersion) {
            refreshShapes(ctx);
            knownSchemaVersion = schemaVersion.get() as number;
          }
          return work();
        });
      }).immediate();
    } catch (error) {
      bulk = before; // rolled back with the work: the load is where it was
      reloadShapes();
      throw error;
    }
    const finished = ended as ApplyResult | null;
    if (finished) {
      joinSettings(false);
      notify({ source: 'remote', changes: finished.tables.size, tables: [...finished.tables] });
    }
    if (captured > 0) notify({ source: 'local', changes: captured, tables: capturedTables });
    return { value, captured, capturedTables };
  };

  const reloadShapes = () => {
    shapes.clear();
    for (const [name, shape] of readTrackedShapes(sqlite)) shapes.set(name, shape);
    remote.reset();
    knownSchemaVersion = -1;
  };

  /** Merges chunk by chunk (each chunk's rows written before the next is read, so memory stays flat). */
  const mergeChunks = (chunks: Iterable<readonly Change[]>): ApplyResult => {
    const total = emptyApplyResult();
    for (const chunk of chunks) {
      const result = applyToLog(chunk, log, hlc, remote, conflicts);
      total.applied += result.applied;
      total.duplicates += result.duplicates;
      total.waiting += result.waiting;
      for (const table of result.tables) total.tables.add(table);
      total.warnings.push(...result.warnings);
    }
    return total;
  };

  inTransaction(() => recoverBulkLoad(sqlite, remote));

  const database: TidemarkDatabase = {
    path,
    uuid,
    sqlite,
    hlc,
    clock,
    log,
    name: () => readMeta(sqlite, META.replicaName) ?? '',
    setName: (value) => writeMeta(sqlite, META.replicaName, value),
    refresh: () => inTransaction(() => undefined).captured,
    track(tables) {
      const { value } = inTransaction(() => {
        const wanted = tables.map((table) => requireTrackable(sqlite, table));
        return wanted.map((shape) => ({ table: shape.name, changes: trackTable(ctx, shape) }));
      });
      notify({ source: 'local', changes: value.reduce((n, t) => n + t.changes, 0), tables: value.map((t) => t.table) });
      return value;
    },
    untrack(table) {
      inTransaction(() => {
        dropTriggers(sqlite, table);
        sqlite.prepare('DELETE FROM ZV_TRACKED WHERE table_name = ?').run(table);
        shapes.delete(table);
        remote.reset();
      });
    },
    tables() {
      return listUserTables(sqlite).map((table) => {
        if (shapes.has(table)) return { name: table, tracked: true };
        const inspection = inspectTable(sqlite, table);
        return inspection && !inspection.ok
          ? { name: table, tracked: false, untrackableReason: inspection.reason, hint: inspection.hint }
          : { name: table, tracked: false };
      });
    },
    trackedShapes: () => [...shapes.values()],
    write(ops) {
      const { value } = inTransaction(() => applyWrites(sqlite, log, hlc, uuid, (t) => shapes.get(t), ops));
      notify({ source: 'local', changes: value.changes, tables: [...value.tables] });
      return value;
    },
    applyChanges(changes, alongside) {
      const { value } = inTransaction(() => {
        const result = applyToLog(changes, log, hlc, remote, conflicts);
        alongside?.(result);
        return result;
      });
      notify({ source: 'remote', changes: value.applied, tables: [...value.tables] });
      return value;
    },
    applyChunks(chunks, alongside) {
      const { value } = inTransaction(() => {
        const total = mergeChunks(chunks);
        alongside?.(total);
        return total;
      });
      notify({ source: 'remote', changes: value.applied, tables: [...value.tables] });
      return value;
    },
    applyFile(file, alongside) {
      // A join's first file already goes in as the rest do: with the engine's
      // page cache, that one file set a whole pull's peak memory.
      const mayStartLoad = !bulk && log.isEmpty();
      if (mayStartLoad) joinSettings(true);
      const latestPath = (bulk || mayStartLoad) && file.latestPath ? file.latestPath : null;
      let latest: { schema: string } | null = null;
      // ATTACH cannot run inside a transaction.
      sqlite.prepare('ATTACH DATABASE ? AS zv_incoming').run(file.path);
      try {
        sqlite.pragma(`zv_incoming.cache_size = -${INCOMING_CACHE_KIB}`);
        if (latestPath) {
          sqlite.prepare('ATTACH DATABASE ? AS zv_latest').run(latestPath);
          latest = { schema: 'zv_latest' };
          sqlite.pragma(`zv_latest.cache_size = -${INCOMING_CACHE_KIB}`);
        }
        const { value } = inTransaction(
          () => {
            if (!bulk && log.isEmpty()) {
              bulk = startBulkLoad(sqlite, hlc, remote, (table) => shapes.get(table));
              bulkChanges = 0;
            }
            const result = bulk ? bulk.append('zv_incoming', latest ?? file.latest()) : mergeChunks(file.chunks());
            alongside?.(result);
            return result;
          },
          { keepBulk: true },
        );
        if (bulk) bulkChanges += value.applied;
        notify({ source: 'remote', changes: value.applied, tables: [...value.tables] });
        return value;
      } finally {
        sqlite.prepare('DETACH DATABASE zv_incoming').run();
        if (latest) sqlite.prepare('DETACH DATABASE zv_latest').run();
        if (mayStartLoad && !bulk) joinSettings(false); // the file failed: no load began
      }
    },
    endBulkLoad(starting, options = {}) {
      if (!bulk) return null;
      const changes = bulkChanges;
      starting?.(changes);
      const elsewhere = options.checkpointElsewhere;
      const autoCheckpoint = (on: boolean) => {
        if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${on ? ENGINE_WAL_CHECKPOINT_PAGES : 0}`);
      };
      if (elsewhere) autoCheckpoint(false);
      try {
        inTransaction(() => undefined);
      } catch (error) {
        if (elsewhere) autoCheckpoint(true);
        throw error;
      }
      if (elsewhere) {
        // A failed checkpoint loses nothing: the WAL keeps the pages until a later one copies them.
        const checkpoint = elsewhere(path).catch(() => undefined);
        background = Promise.all([background, checkpoint]).then(() => autoCheckpoint(true));
      }
      return changes;
    },
    settled: () => background,
    joining: () => bulk !== null || log.isEmpty(),
    transaction: (work) => inTransaction(work).value,
    history(query) {
      inTransaction(() => undefined, { keepBulk: true });
      return queryHistory(query);
    },
    status() {
      inTransaction(() => undefined, { keepBulk: true });
      return {
        path,
        databaseUuid: uuid,
        name: database.name(),
        ...countChanges(sqlite, shapes),
      };
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      sqlite.close();
    },
  };
  return database;
}

function isInitialized(sqlite: Database): boolean {
  return sqlite.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ZV_METADATA'").get() !== undefined;
}

function defaultReplicaName(): string {
  return hostname() || 'This device';
}

function mapOpenError(error: unknown, path: string): unknown {
  if (error instanceof TidemarkError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new TidemarkError({ kind: 'not-sqlite', path, hint: 'Choose a SQLite database file (or a new path to create one).' });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new TidemarkError({ kind: 'database-locked', path, hint: 'Close the program that holds it open for writing and try again.' });
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new TidemarkError({ kind: 'database-missing', path, hint: 'Check that the folder exists and can be written.' });
  }
  return error;
}
