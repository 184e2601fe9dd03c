// Turns rows captured in ZV_PENDING into ZV_TRANSACTION + ZV_CHANGE rows with
// clock ids (DESIGN.md section 1). Runs inside the caller's transaction, first
// thing whenever the engine touches the database. Everything pending becomes
// one transaction: triggers cannot see where a writer's transaction began.
//
// Pending rows are read in pages (a bulk import can leave millions), and what
// the replica holds is asked of the log itself: every change this flush made
// is already in it, and local ids are always the newest, so the log's latest
// value is the current one without a cache growing with the flush.

import type { Database, Statement } from 'better-sqlite3';
import type { ChangeLog } from './change-log';
import type { Hlc } from './hlc';
import { encodeValue } from './values';

/** Pending rows read at a time. */
const PAGE = 4096;

export interface FlushResult {
  transactionId: string | null;
  changes: number;
  tables: Set<string>;
}

/** The values the replica holds, read from the log (which already has this transaction's changes). */
export function createWorkingState(log: ChangeLog) {
  return {
    current: (type: string, id: string, attribute: string): string | null => log.latest(type, id, attribute) ?? null,
    /** Whether the row exists as far as the log knows. */
    isAlive: (type: string, id: string) => log.hasEntity(type, id) && log.latest(type, id, '_deleted') !== '1',
  };
}

interface FlushStatements {
  page: Statement;
  clear: Statement;
  dropTransaction: Statement;
}

const statementsByDb = new WeakMap<Database, FlushStatements>();

function statementsOf(db: Database): FlushStatements {
  let statements = statementsByDb.get(db);
  if (!statements) {
    statements = {
      // Raw rows with 64-bit integers: [seq, op, entity_type, entity_id, attribute, has_old, old_raw, new_raw].
      page: db
        .prepare(
          `SELECT seq, op, entity_type, entity_id, attribute, has_old, old_raw, new_raw FROM ZV_PENDING
           WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`,
        )
        .safeIntegers(true)
        .raw(true),
      clear: db.prepare('DELETE FROM ZV_PENDING WHERE seq <= ?'),
      dropTransaction: db.prepare('DELETE FROM ZV_TRANSACTION WHERE id = ?'),
    };
    statementsByDb.set(db, statements);
  }
  return statements;
}

export function flushPending(db: Database, log: ChangeLog, hlc: Hlc, author: string): FlushResult {
  const statements = statementsOf(db);
  const result: FlushResult = { transactionId: null, changes: 0, tables: new Set() };
  let rows = statements.page.all(0n) as unknown[][];
  if (rows.length === 0) return result;

  const transactionId = hlc.next();
  log.insertTransaction(transactionId, author);
  const emit = (type: string, id: string, attribute: string, oldValue: string | null, newValue: string) => {
    log.insertChange({ id: hlc.next(), transactionId, entityType: type, entityId: id, attribute, oldValue, newValue });
    result.changes += 1;
    result.tables.add(type);
  };
  const current = (type: string, id: string, attribute: string) => log.latest(type, id, attribute) ?? null;

  // Consecutive insert rows of one entity are one INSERT (the trigger writes
  // one row per column); whether the row was alive is decided once for it.
  let insertEntity: string | null = null;
  const insertSeen = new Set<string>();
  let insertWasAlive = false;
  /** The entity's _deleted value as of now, while in an insert. */
  let insertDeleted: string | null = null;
  let lastSeq = 0n;

  while (rows.length > 0) {
    for (const row of rows) {
      const op = row[1] as string;
      const type = row[2] as string;
      const id = row[3] as string;
      const attribute = row[4] as string;
      if (op !== 'insert') insertEntity = null;
      if (op === 'update') {
        const oldValue = row[5] ? encodeValue(row[6]) : current(type, id, attribute);
        const newValue = encodeValue(row[7]);
        if (oldValue !== newValue) emit(type, id, attribute, oldValue, newValue);
      } else if (op === 'delete') {
        const before = current(type, id, '_deleted');
        if (before !== '1') emit(type, id, '_deleted', before, '1');
      } else {
        const entity = `${type}\0${id}`;
        if (insertEntity !== entity || insertSeen.has(attribute)) {
          insertEntity = entity;
          insertSeen.clear();
          // A row the log never saw needs one look; a known one a second for its _deleted.
          const known = log.hasEntity(type, id);
          insertDeleted = known ? current(type, id, '_deleted') : null;
          insertWasAlive = known && insertDeleted !== '1';
          // Writing a deleted row again brings it back (DESIGN.md 1).
          if (!insertWasAlive && insertDeleted === '1') {
            emit(type, id, '_deleted', '1', '0');
            insertDeleted = '0';
          }
        }
        insertSeen.add(attribute);
        if (attribute === '_deleted') {
          // A key-only table's row: its existence is its one attribute.
          if (!insertWasAlive && insertDeleted !== '0') {
            emit(type, id, '_deleted', insertDeleted, '0');
            insertDeleted = '0';
          }
          continue;
        }
        const newValue = encodeValue(row[7]);
        // INSERT OR REPLACE over a live row: record only what changed.
        const oldValue = insertWasAlive ? current(type, id, attribute) : null;
        if (!insertWasAlive || oldValue !== newValue) emit(type, id, attribute, oldValue, newValue);
      }
    }
    lastSeq = rows[rows.length - 1]![0] as bigint;
    rows = rows.length < PAGE ? [] : (statements.page.all(lastSeq) as unknown[][]);
  }

  statements.clear.run(lastSeq);
  if (result.changes === 0) {
    statements.dropTransaction.run(transactionId);
    return result;
  }
  result.transactionId = transactionId;
  return result;
}
