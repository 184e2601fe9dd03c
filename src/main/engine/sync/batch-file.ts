// Batch files (DESIGN.md section 3): a gzip-compressed SQLite database holding
// one author's ZV_TRANSACTION and ZV_CHANGE rows plus ZV_BATCH metadata.
// Decoding treats the bytes as hostile: size-capped, schema-checked, every
// row validated before anything reaches the local database.

import { gunzipSync, gzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { TidemarkError } from '../../../shared/errors';
import type { Change } from '../../../shared/types';
import { isUuid7 } from '../hlc';
import { INCOMING_CACHE_KIB } from '../change-log';
import { isValueText } from '../values';
import { sha256Hex } from './hash';
import type { EntityToWrite } from '../materialize';
import {
  checkRows,
  CHANGE_ROW_SQL,
  inflateToTempFile,
  latestEntities,
  nameTheFault,
  readLatestFile,
  removeInflated,
  saveCompressed,
  writeLatestFile,
  type Compressed,
  type RowCheck,
} from './change-file';
import { runOffThread, warmFileWorker } from './file-worker';
import { canShareSorts, checkerSorts, offerSort, type SortShare, type StagedSort } from './shared-sort';

export const BATCH_FORMAT = 1;
/** Changes per batch file: large pushes are split (DESIGN.md 4.2). */
export const MAX_BATCH_CHANGES = 100_000;
/** Uncompressed bytes per batch file before a push splits it. */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;
/** A decompressed batch larger than this is refused rather than filling memory. */
const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

export interface BatchMeta {
  format: number;
  dataset_uuid: string;
  author: string;
  first: string;
  last: string;
  count: number;
  prev_sha256: string;
}

export interface EncodedBatch {
  meta: BatchMeta;
  bytes: Buffer;
  sha256: string;
}

export interface DecodedBatch {
  meta: BatchMeta;
  changes: Change[];
}

const BATCH_SCHEMA = `
CREATE TABLE ZV_BATCH (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE ZV_TRANSACTION (id TEXT NOT NULL PRIMARY KEY, author TEXT NOT NULL);
CREATE TABLE ZV_CHANGE (
  id TEXT NOT NULL PRIMARY KEY, transaction_id TEXT NOT NULL,
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, attribute TEXT NOT NULL,
  old_value TEXT, new_value TEXT,
  FOREIGN KEY (transaction_id) REFERENCES ZV_TRANSACTION(id));
`;

export function batchKey(author: string, first: string, last: string): string {
  return `batches/${author}/${first}_${last}.db.gz`;
}

/** Builds one batch file from changes sorted by id, all by `author`. */
export function encodeBatch(changes: readonly Change[], header: Omit<BatchMeta, 'first' | 'last' | 'count' | 'format'>): EncodedBatch {
  const meta: BatchMeta = {
    format: BATCH_FORMAT,
    ...header,
    first: changes[0]!.id,
    last: changes[changes.length - 1]!.id,
    count: changes.length,
  };
  const db = new BetterSqlite3(':memory:');
  try {
    db.exec(BATCH_SCHEMA);
    db.transaction(() => {
      const putMeta = db.prepare('INSERT INTO ZV_BATCH (key, value) VALUES (?, ?)');
      for (const [key, value] of Object.entries(meta)) putMeta.run(key, String(value));
      const putTransaction = db.prepare('INSERT OR IGNORE INTO ZV_TRANSACTION (id, author) VALUES (?, ?)');
      const putChange = db.prepare('INSERT INTO ZV_CHANGE VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const c of changes) {
        putTransaction.run(c.transactionId, c.author);
        putChange.run(c.id, c.transactionId, c.entityType, c.entityId, c.attribute, c.oldValue, c.newValue);
      }
    })();
    // gzip of identical SQLite bytes is identical: a retried push re-creates the same file.
    const bytes = gzipSync(db.serialize(), { level: 6 });
    return { meta, bytes, sha256: sha256Hex(bytes) };
  } finally {
    db.close();
  }
}

/** A batch file opened for reading: its metadata checked, its changes read as they are needed. */
export interface OpenedBatch {
  meta: BatchMeta;
  /**
   * The changes in id order, `size` at a time, each row checked as it is read.
   * The count and the first and last ids are checked after the last row: a
   * caller applying chunks as they come does so in one transaction, which the
   * error of a damaged file rolls back.
   */
  chunks(size?: number): Generator<Change[]>;
  /** Checks every row inside SQLite, throwing what reading them would. */
  verify(): void;
  close(): void;
}

/** Changes per chunk when a batch is streamed. */
export const BATCH_CHUNK = 10_000;

export function decodeBatch(bytes: Uint8Array, file: string): DecodedBatch {
  const batch = openBatch(bytes, file);
  try {
    const changes: Change[] = [];
    for (const chunk of batch.chunks()) for (const change of chunk) changes.push(change);
    return { meta: batch.meta, changes };
  } finally {
    batch.close();
  }
}

/**
 * Opens a batch without reading its changes: a pull can apply them chunk by
 * chunk (db.applyChunks) and never hold a batch of 100,000 changes as objects.
 */
export function openBatch(bytes: Uint8Array, file: string): OpenedBatch {
  const corrupt = batchCorrupt(file);
  let inflated: Buffer | null;
  try {
    inflated = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    throw corrupt(`not a complete gzip file (${(error as Error).message})`);
  }
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(inflated, { readonly: true });
  } catch {
    throw corrupt('not a SQLite database');
  }
  inflated = null; // SQLite holds its own copy
  return openBatchDb(db, file);
}

/** A batch inflated to a temp file, every row already checked: db.applyFile takes it. */
export interface StagedBatch extends OpenedBatch {
  path: string;
  latest(): Iterable<EntityToWrite>;
  /** Where writeLatestFile wrote its newest values, when it was asked to. */
  latestPath: string | null;
  /** Whether that sort ran on this thread, while it waited for the worker (shared-sort.ts). */
  sortedHere: boolean;
}

/** What checking a downloaded batch leaves for the thread that applies it (file-worker.ts does the checking). */
export interface PreparedBatch {
  /** The inflated batch, every row checked. */
  path: string;
  meta: BatchMeta;
  /** Its entities with their newest values (writeLatestFile), when asked for. */
  latestPath: string | null;
}

export interface StageOptions {
  /** Sort the newest values too, for a device that is joining (bulk-load.ts reads them). */
  latest?: boolean;
}

/**
 * Opens a downloaded batch the way a pull applies it: inflated to a temp file
 * (not in memory) and every row checked before anything is applied, so a
 * joining device can copy its rows inside SQLite. The checking runs on a
 * thread of its own where it can (file-worker.ts), beside the apply of the
 * file before. close() deletes the file.
 */
export async function stageBatch(bytes: Uint8Array, file: string, options: StageOptions = {}): Promise<StagedBatch> {
  return stageSavedBatch(saveCompressed(bytes), file, options);
}

/**
 * stageBatch of a download saved to a file (newDownloadPath); its folder is
 * deleted with the batch, or on failure. The worker has the file when this
 * returns. Its newest values may be sorted on this thread, while it waits
 * (shared-sort.ts); without a worker everything runs here, in order.
 */
export async function stageSavedBatch(saved: { gzipPath: string }, file: string, options: StageOptions = {}): Promise<StagedBatch> {
  const share = options.latest && canShareSorts() && warmFileWorker() ? offerSort((path) => sortPlainBatch(path, file)) : null;
  try {
    const prepared = await runOffThread('prepare-batch', [saved, file, options, share?.claim], () => prepareBatch(saved, file, options, share ?? undefined), share?.inflated);
    // The checks' verdict came first, as when one thread does both; then what this thread's sort met.
    if (!share?.takenHere()) return openPreparedBatch(prepared, file);
    return { ...openPreparedBatch({ ...prepared, latestPath: latestOrCorrupt(share, file) }, file), sortedHere: true };
  } catch (error) {
    removeInflated(saved.gzipPath); // whatever either thread had written there; neither uses it now
    throw error;
  } finally {
    share?.forget();
  }
}

/**
 * The checks of stageBatch, on whichever thread calls it; the files stay for
 * openPreparedBatch. With `share`, the thread that staged the file may take
 * the sort of its newest values (shared-sort.ts), and removes the folder on
 * failure: its sort may still be reading it.
 */
export async function prepareBatch(source: Compressed, file: string, options: StageOptions, share?: SortShare): Promise<PreparedBatch> {
  const path = await inflateBatch(source, file);
  try {
    share?.inflated(path);
    const checked = checkInflatedBatch(path, file);
    const sortHere = options.latest === true && (!share || checkerSorts(share.claim));
    return { ...checked, latestPath: sortHere ? writeLatestFile(path) : null };
  } catch (error) {
    if (!share) removeInflated(path);
    throw error;
  }
}

async function inflateBatch(source: Compressed, file: string): Promise<string> {
  try {
    return (await inflateToTempFile(source, MAX_INFLATED_BYTES)).path;
  } catch (error) {
    throw batchCorrupt(file)(`not a complete gzip file (${(error as Error).message})`);
  }
}

/** The checks of an inflated batch: schema, metadata, transactions, the B-trees and every row. */
function checkInflatedBatch(path: string, file: string): PreparedBatch {
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    db.pragma(`cache_size = -${INCOMING_CACHE_KIB}`); // its tables are read once, in order
  } catch {
    throw batchCorrupt(file)('not a SQLite database');
  }
  const batch = openBatchDb(db, file);
  try {
    batch.verify();
    return { path, meta: batch.meta, latestPath: null };
  } finally {
    db.close();
  }
}

/** writeLatestFile of an inflated batch once it is known to hold plain tables only: the sort runs no SQL of the file's author. */
export function sortPlainBatch(path: string, file: string): string {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('trusted_schema = OFF');
    assertPlainTables(db, BATCH_COLUMNS, batchCorrupt(file));
  } finally {
    db.close();
  }
  return writeLatestFile(path);
}

function latestOrCorrupt(share: StagedSort, file: string): string {
  try {
    return share.latestPath();
  } catch (error) {
    throw unreadable(error, batchCorrupt(file));
  }
}

/** A batch prepareBatch checked, opened for reading on this thread. */
export function openPreparedBatch(prepared: PreparedBatch, file: string): StagedBatch {
  let latestFile: { close(): void } | null = null;
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(prepared.path, { readonly: true, fileMustExist: true });
  } catch (error) {
    removeInflated(prepared.path);
    throw batchCorrupt(file)(`unreadable (${(error as Error).message})`);
  }
  const close = () => {
    try {
      latestFile?.close();
      db.close();
    } finally {
      removeInflated(prepared.path); // even when a read still running keeps a connection open
    }
  };
  const authors = new Map(db.prepare('SELECT id, author FROM ZV_TRANSACTION').raw(true).all() as Array<[string, string]>);
  return {
    ...batchReader(db, file, prepared.meta, authors, close),
    path: prepared.path,
    latestPath: prepared.latestPath,
    sortedHere: false,
    latest: () => {
      if (!prepared.latestPath) return latestEntities(db);
      const opened = readLatestFile(prepared.latestPath);
      latestFile = opened;
      return opened.entities;
    },
  };
}

function batchCorrupt(file: string) {
  return (reason: string) =>
    new TidemarkError({ kind: 'corrupt-file', file, reason, hint: 'The replica that wrote it must push again; its changes are not applied until then.' });
}

/** Checks an opened batch database's schema, metadata and transactions; its changes are read later. */
function openBatchDb(db: BetterSqlite3.Database, file: string, close: () => void = () => db.close()): OpenedBatch {
  const corrupt = batchCorrupt(file);
  let meta: BatchMeta;
  const authors = new Map<string, string>();
  try {
    // Only the schema is read until it is known to hold plain tables: a view,
    // a generated column or a virtual table would run SQL of the file's author.
    db.pragma('trusted_schema = OFF');
    assertPlainTables(db, BATCH_COLUMNS, corrupt, ['ZV_BATCH']); // a newer format may hold more
    meta = readMeta(db, corrupt);
    if (meta.format > BATCH_FORMAT) {
      throw new TidemarkError({ kind: 'newer-format', file, format: meta.format, hint: 'Update Tidemark on this device to read it.' });
    }
    assertPlainTables(db, BATCH_COLUMNS, corrupt);
    assertWhole(db, corrupt);
    for (const row of db.prepare('SELECT id, author FROM ZV_TRANSACTION').all() as Array<{ id: unknown; author: unknown }>) {
      if (typeof row.id !== 'string' || row.author !== meta.author) throw corrupt('a transaction by another author');
      // A transaction is stamped before its changes: a later id would only move clocks forward.
      if (!isUuid7(row.id) || row.id > meta.last) throw corrupt('a transaction id outside the batch');
      authors.set(row.id, row.author);
    }
  } catch (error) {
    close();
    throw unreadable(error, corrupt);
  }
  return batchReader(db, file, meta, authors, close);
}

function unreadable(error: unknown, corrupt: (reason: string) => TidemarkError): TidemarkError {
  return error instanceof TidemarkError ? error : corrupt(`unreadable (${(error as Error).message})`);
}

/** Reads and checks the changes of a batch whose metadata and transactions were checked. */
function batchReader(db: BetterSqlite3.Database, file: string, meta: BatchMeta, authors: ReadonlyMap<string, string>, close: () => void): OpenedBatch {
  const corrupt = batchCorrupt(file);
  const chunks = function* (size = BATCH_CHUNK): Generator<Change[]> {
    const read = readChanges(db, meta, authors, corrupt);
    let chunk: Change[] = [];
    let count = 0;
    let first: string | null = null;
    let last: string | null = null;
    try {
      for (;;) {
        let next: IteratorResult<Change>;
        try {
          next = read.next();
        } catch (error) {
          throw unreadable(error, corrupt);
        }
        if (next.done) break;
        const change = next.value;
        first ??= change.id;
        last = change.id;
        count += 1;
        chunk.push(change);
        if (chunk.length >= size) {
          yield chunk;
          chunk = [];
        }
      }
    } finally {
      read.return(undefined); // a reader that stops early leaves no statement running
    }
    if (count !== meta.count) throw corrupt(`it says ${meta.count} changes but holds ${count}`);
    if (count > 0 && (first !== meta.first || last !== meta.last)) throw corrupt('its first and last ids do not match its changes');
    if (chunk.length > 0) yield chunk;
  };
  return {
    meta,
    chunks,
    verify() {
      let check: RowCheck;
      try {
        check = checkRows(db, 'ZV_CHANGE c', `${CHANGE_ROW_SQL} AND c.id BETWEEN @first AND @last AND c.transaction_id IN (SELECT id FROM ZV_TRANSACTION)`, {
          first: meta.first,
          last: meta.last,
        });
      } catch (error) {
        throw unreadable(error, corrupt);
      }
      const fine = check.bad === 0 && check.count === meta.count && (check.count === 0 || (check.first === meta.first && check.last === meta.last));
      if (!fine) nameTheFault(chunks, corrupt);
    },
    close,
  };
}

/**
 * The batch's changes in id order, each row checked as it is read. Strings
 * repeated on many rows (transaction ids, tables, attributes) are shared, so
 * a batch of 100,000 changes holds each of them once.
 */
function* readChanges(
  db: BetterSqlite3.Database,
  meta: BatchMeta,
  authors: ReadonlyMap<string, string>,
  corrupt: (reason: string) => TidemarkError,
): Generator<Change> {
  const shared = new Map<string, string>();
  const share = (text: string) => {
    const known = shared.get(text);
    if (known !== undefined) return known;
    shared.set(text, text);
    return text;
  };
  const rows = db
    .prepare('SELECT id, transaction_id, entity_type, entity_id, attribute, old_value, new_value FROM ZV_CHANGE ORDER BY id')
    .raw(true);
  for (const row of rows.iterate() as IterableIterator<unknown[]>) {
    const [id, transactionId, entityType, entityId, attribute, oldValue, newValue] = row;
    if (typeof id !== 'string' || !isUuid7(id) || id < meta.first || id > meta.last) throw corrupt('a change id outside the batch');
    if (typeof transactionId !== 'string' || !authors.has(transactionId)) throw corrupt('a change without its transaction');
    if (typeof entityType !== 'string' || typeof entityId !== 'string' || typeof attribute !== 'string') throw corrupt('a change without its entity');
    if (!isJsonText(oldValue, true) || !isJsonText(newValue, true)) throw corrupt('a value that is not JSON text');
    yield {
      id,
      transactionId: share(transactionId),
      author: meta.author,
      entityType: share(entityType),
      entityId,
      attribute: share(attribute),
      oldValue,
      newValue,
    };
  }
}

/** The tables of a batch file and their columns, sorted (DESIGN.md 3); nothing else may be in it. */
const BATCH_COLUMNS: Record<string, readonly string[]> = {
  ZV_BATCH: ['key', 'value'],
  ZV_TRANSACTION: ['author', 'id'],
  ZV_CHANGE: ['attribute', 'entity_id', 'entity_type', 'id', 'new_value', 'old_value', 'transaction_id'],
};

/**
 * Refuses a SQLite file from a remote unless it holds exactly the `expected`
 * tables (upper-case names, sorted lower-case columns) as plain tables, with
 * their primary-key indexes and nothing else: no view, trigger, virtual table,
 * generated column, other table or index. Call it before reading any table of
 * the file: querying a view or a generated column runs SQL of the file's author
 * (a recursive view never ends). Reading sqlite_schema and table_xinfo runs none.
 * With `only`, just those tables are checked and anything else is allowed.
 */
export function assertPlainTables(
  db: BetterSqlite3.Database,
  expected: Record<string, readonly string[]>,
  corrupt: (reason: string) => TidemarkError,
  only?: readonly string[],
): void {
  const entries = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema').all() as Array<{ type: unknown; name: unknown; tbl_name: unknown; sql: unknown }>;
  const tables = new Set<string>();
  for (const entry of entries) {
    const name = String(entry.name).toUpperCase();
    const isPlainTable = entry.type === 'table' && typeof entry.sql === 'string' && /^CREATE TABLE /i.test(entry.sql);
    // The automatic index of a PRIMARY KEY or UNIQUE column has no SQL.
    const isKeyIndex = entry.type === 'index' && entry.sql === null && String(entry.tbl_name).toUpperCase() in expected;
    if (isPlainTable && name in expected) tables.add(name);
    else if (!isKeyIndex && !only) throw corrupt(`it holds a ${String(entry.type)} "${String(entry.name).slice(0, 60)}", which it never has`);
  }
  for (const table of only ?? Object.keys(expected)) {
    if (!tables.has(table)) throw corrupt(`it has no ${table} table (or not as a plain table)`);
    const columns = (db.pragma(`table_xinfo("${table}")`) as Array<{ name: string; hidden: number }>)
      .map((c) => (c.hidden === 0 ? c.name.toLowerCase() : `${c.name} (generated)`))
      .sort();
    if (columns.join() !== expected[table]!.join()) throw corrupt(`its ${table} table has the columns ${columns.join(', ')}`);
  }
}

/**
 * Refuses a file whose B-trees disagree (a row in a table but not in its
 * key's index, pages cut off): its rows would read differently by index than
 * by table, so what was checked might not be what is applied.
 */
export function assertWhole(db: BetterSqlite3.Database, corrupt: (reason: string) => TidemarkError): void {
  const verdict = db.pragma('integrity_check(1)', { simple: true });
  if (verdict !== 'ok') throw corrupt(`its SQLite structure is damaged (${String(verdict).slice(0, 120)})`);
}

function readMeta(db: BetterSqlite3.Database, corrupt: (reason: string) => TidemarkError): BatchMeta {
  const rows = db.prepare('SELECT key, value FROM ZV_BATCH').all() as Array<{ key: unknown; value: unknown }>;
  const values = new Map(rows.map((r) => [String(r.key), typeof r.value === 'string' ? r.value : String(r.value)]));
  const text = (key: string) => {
    const value = values.get(key);
    if (value === undefined) throw corrupt(`its ZV_BATCH has no ${key}`);
    return value;
  };
  const format = Number(text('format'));
  const count = Number(text('count'));
  if (!Number.isInteger(format) || format < 1) throw corrupt('its format is not a number');
  if (!Number.isInteger(count) || count < 0) throw corrupt('its count is not a number');
  return {
    format,
    dataset_uuid: text('dataset_uuid'),
    author: text('author'),
    first: text('first'),
    last: text('last'),
    count,
    prev_sha256: values.get('prev_sha256') ?? '',
  };
}

/**
 * Values are JSON text of a SQLite value (or SQL NULL); anything else (an
 * object, true, an integer beyond 64 bits) would break materialization later.
 */
export function isJsonText(value: unknown, nullable: boolean): value is string | null {
  if (value === null) return nullable;
  return typeof value === 'string' && isValueText(value);
}
