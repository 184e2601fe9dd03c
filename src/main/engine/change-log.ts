// Prepared statements over ZV_TRANSACTION / ZV_CHANGE, made once per connection.
//
// Writing a change costs five B-tree inserts (the table, its id key and three
// indexes) and, through better-sqlite3, one call into SQLite per statement.
// Profiles of capture and apply showed the per-statement cost about as large
// as the B-tree work, so bulk writers queue changes in a ChangeWriter, which
// inserts them 64 rows per statement.

import type { Database, Statement } from 'better-sqlite3';
import type { Change } from '../../shared/types';
import type { Hlc } from './hlc';
import { encodeValue } from './values';

export interface LatestValue {
  attribute: string;
  value: string | null;
}

export type NewChange = Omit<Change, 'author'>;

export interface ChangeLog {
  insertTransaction(id: string, author: string): boolean;
  /** Inserts a change unless its id is known; true when it was new. */
  insertChange(change: NewChange): boolean;
  /** The newest value of one attribute, or undefined when it was never set. */
  latest(entityType: string, entityId: string, attribute: string): string | null | undefined;
  /** The newest value of every attribute of one entity. */
  latestOfEntity(entityType: string, entityId: string): LatestValue[];
  hasEntity(entityType: string, entityId: string): boolean;
  /** For each of these entities of one table, whether the log holds any change of it (hasEntity, 64 per query). */
  knownEntities(entityType: string, entityIds: readonly string[]): boolean[];
  /** A queue that writes changes many rows per statement; flush it before reading what it touched. */
  writer(): ChangeWriter;
  /**
   * Inserts the rows of `select` (id, transaction_id, entity_type, entity_id,
   * attribute, old_value, new_value) inside SQLite, none read into JavaScript.
   * It may call zv_next_change_id(), the next id of `hlc`, and
   * zv_encode_value(x), encodeValue. Returns the rows inserted.
   */
  insertSelected(select: string, params: readonly unknown[], hlc: Hlc): number;
  /** Whether the log holds no change at all (a device that is joining, a first import). */
  isEmpty(): boolean;
  maxId(): string | null;
  authorOf(transactionId: string): string | undefined;
}

export interface ChangeWriter {
  /** Queues a change (the object is kept until the flush). */
  add(change: NewChange): void;
  /** Whether a queued change belongs to this entity: reads of it must flush first. */
  isQueued(entityType: string, entityId: string): boolean;
  /** Whether a change of this entity was added since the last mark(), queued or written. */
  wasAdded(entityType: string, entityId: string): boolean;
  /** Forgets which entities were added (not what is queued). */
  mark(): void;
  /** Writes everything queued, in order; calls `ignored` for each change whose id was already in the log. */
  flush(ignored?: (change: NewChange) => void): void;
  readonly size: number;
}

/** Rows per multi-row INSERT; smaller remainders go in power-of-two statements. */
const ROWS_PER_STATEMENT = 64;

/**
 * Page cache of the engine's connection, in KiB. The log's indexes are keyed
 * by entity ids (random UUIDs in most apps), so a large capture or pull reads
 * and writes all over them; SQLite's default of 2 MiB made most of those a
 * system call. It fills only as pages are used; 64 MiB was faster still but
 * cost its size in peak RSS, and a pull must stay under 300 MB.
 */
export const ENGINE_CACHE_KIB = 32 * 1024;

/** Page cache while a joining device loads files in bulk (bulk-load.ts): no lookups need it. */
export const BULK_CACHE_KIB = 8 * 1024;

/**
 * Page cache of a connection to a file of incoming changes, or of this
 * database's attached to one: each table is read once, in order (SQLite's
 * default is 16 MB).
 */
export const INCOMING_CACHE_KIB = 2 * 1024;

/**
 * WAL pages after which a commit of the engine's checkpoints (SQLite's default
 * is 1,000). A write of 1,000 rows dirties thousands of pages scattered over
 * the log's indexes, so with the default every write API call also copied them
 * into the database file: commits were half of a million-change import, and
 * this cut it by about 15%. Other connections keep their own setting.
 */
export const ENGINE_WAL_CHECKPOINT_PAGES = 10_000;

export function createChangeLog(db: Database): ChangeLog {
  // One change log per connection (database.ts): the place that knows how the log is written.
  db.pragma(`cache_size = -${ENGINE_CACHE_KIB}`);
  db.pragma(`wal_autocheckpoint = ${ENGINE_WAL_CHECKPOINT_PAGES}`);
  const insertTransaction = db.prepare('INSERT OR IGNORE INTO ZV_TRANSACTION (id, author) VALUES (?, ?)');
  const insertChange = db.prepare(
    `INSERT OR IGNORE INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, new_value)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const latest = db
    .prepare(
      `SELECT new_value FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ? AND attribute = ?
       ORDER BY id DESC LIMIT 1`,
    )
    .raw(true);
  // SQLite returns the bare column from the row that holds max(id).
  const latestOfEntity = db.prepare(
    `SELECT attribute, new_value AS value, max(id) AS id FROM ZV_CHANGE
     WHERE entity_type = ? AND entity_id = ? GROUP BY attribute`,
  ) as Statement<[string, string], LatestValue>;
  const hasEntity = db.prepare('SELECT 1 FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ? LIMIT 1').pluck();
  // One row of flags for ROWS_PER_STATEMENT (table, id) pairs; NULL pads never match.
  const knownEntities = db
    .prepare(`SELECT ${new Array(ROWS_PER_STATEMENT).fill('EXISTS (SELECT 1 FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ?)').join(', ')}`)
    .raw(true);
  const knownArgs: unknown[] = new Array(ROWS_PER_STATEMENT * 2);
  const anyChange = db.prepare('SELECT 1 FROM ZV_CHANGE LIMIT 1').pluck();
  const maxChange = db.prepare('SELECT max(id) FROM ZV_CHANGE').pluck();
  const maxTransaction = db.prepare('SELECT max(id) FROM ZV_TRANSACTION').pluck();
  const authorOf = db.prepare('SELECT author FROM ZV_TRANSACTION WHERE id = ?').pluck();
  const insertedIds = db.prepare('SELECT id FROM ZV_CHANGE WHERE rowid > ? AND rowid <= ?').pluck();

  // For insertSelected only (directOnly: no trigger or view can call them).
  let selectClock: Hlc | null = null;
  db.function('zv_next_change_id', { deterministic: false, directOnly: true }, () => {
    if (!selectClock) throw new Error('zv_next_change_id() outside insertSelected');
    return selectClock.next();
  });
  db.function('zv_encode_value', { deterministic: true, directOnly: true, safeIntegers: true }, (value: unknown) => encodeValue(value));
  // Prepared per call: each writes thousands of rows or more, and a tracked table's statement names its columns.
  const insertSelected = (select: string, params: readonly unknown[], hlc: Hlc): number => {
    const statement = db.prepare(`INSERT INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, new_value) ${select}`);
    selectClock = hlc;
    try {
      return statement.run(...params).changes;
    } finally {
      selectClock = null;
    }
  };

  // Multi-row inserts, one statement per power of two up to ROWS_PER_STATEMENT.
  const multiInserts = new Map<number, { statement: Statement; args: unknown[] }>();
  const multiInsert = (rows: number) => {
    let entry = multiInserts.get(rows);
    if (!entry) {
      const values = new Array(rows).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ');
      entry = {
        statement: db.prepare(
          `INSERT OR IGNORE INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, new_value) VALUES ${values}`,
        ),
        args: new Array(rows * 7),
      };
      multiInserts.set(rows, entry);
    }
    return entry;
  };

  /** Inserts queue[from, from + rows) in one statement; reports the ones already in the log. */
  const insertRows = (queue: NewChange[], from: number, rows: number, ignored?: (change: NewChange) => void) => {
    const { statement, args } = multiInsert(rows);
    for (let i = 0, a = 0; i < rows; i++) {
      const c = queue[from + i]!;
      args[a++] = c.id;
      args[a++] = c.transactionId;
      args[a++] = c.entityType;
      args[a++] = c.entityId;
      args[a++] = c.attribute;
      args[a++] = c.oldValue;
      args[a++] = c.newValue;
    }
    const info = statement.run(args);
    if (info.changes === rows || !ignored) return;
    // Some ids were known. The rows this statement inserted have consecutive
    // rowids ending at lastInsertRowid (one connection, inside a transaction).
    const last = BigInt(info.lastInsertRowid);
    const inserted = new Set(info.changes === 0 ? [] : (insertedIds.all(last - BigInt(info.changes), last) as string[]));
    const seen = new Set<string>();
    for (let i = 0; i < rows; i++) {
      const c = queue[from + i]!;
      // The first of two equal ids in one statement is the one inserted.
      if (!inserted.has(c.id) || seen.has(c.id)) ignored(c);
      else seen.add(c.id);
    }
  };

  const writer = (): ChangeWriter => {
    let queue: NewChange[] = [];
    const queued = new Set<string>();
    const added = new Set<string>();
    return {
      add(change) {
        queue.push(change);
        const key = `${change.entityType}\0${change.entityId}`;
        queued.add(key);
        added.add(key);
      },
      isQueued: (entityType, entityId) => queued.size > 0 && queued.has(`${entityType}\0${entityId}`),
      wasAdded: (entityType, entityId) => added.size > 0 && added.has(`${entityType}\0${entityId}`),
      mark: () => added.clear(),
      flush(ignored) {
        let from = 0;
        for (let rows = ROWS_PER_STATEMENT; rows >= 1; rows >>= 1) {
          while (queue.length - from >= rows) {
            insertRows(queue, from, rows, ignored);
            from += rows;
          }
        }
        queue = [];
        queued.clear();
      },
      get size() {
        return queue.length;
      },
    };
  };

  return {
    insertTransaction: (id, author) => insertTransaction.run(id, author).changes === 1,
    insertChange: (c) =>
      insertChange.run(c.id, c.transactionId, c.entityType, c.entityId, c.attribute, c.oldValue, c.newValue).changes === 1,
    latest: (entityType, entityId, attribute) => {
      const row = latest.get(entityType, entityId, attribute) as [string | null] | undefined;
      return row === undefined ? undefined : row[0];
    },
    latestOfEntity: (entityType, entityId) => latestOfEntity.all(entityType, entityId),
    hasEntity: (entityType, entityId) => hasEntity.get(entityType, entityId) !== undefined,
    knownEntities: (entityType, entityIds) => {
      // Asked in key order, so consecutive probes fall on neighbouring index pages.
      const order = entityIds.map((_, i) => i).sort((a, b) => (entityIds[a]! < entityIds[b]! ? -1 : entityIds[a]! > entityIds[b]! ? 1 : 0));
      const known: boolean[] = new Array(entityIds.length);
      for (let from = 0; from < order.length; from += ROWS_PER_STATEMENT) {
        for (let i = 0; i < ROWS_PER_STATEMENT; i++) {
          knownArgs[2 * i] = entityType;
          knownArgs[2 * i + 1] = from + i < order.length ? entityIds[order[from + i]!]! : null;
        }
        const flags = knownEntities.get(knownArgs) as number[];
        for (let i = 0; i < ROWS_PER_STATEMENT && from + i < order.length; i++) known[order[from + i]!] = flags[i] === 1;
      }
      return known;
    },
    writer,
    insertSelected,
    isEmpty: () => anyChange.get() === undefined,
    maxId: () => {
      const a = maxChange.get() as string | null;
      const b = maxTransaction.get() as string | null;
      if (a === null) return b;
      if (b === null) return a;
      return a > b ? a : b;
    },
    authorOf: (id) => authorOf.get(id) as string | undefined,
  };
}
