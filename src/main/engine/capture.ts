// Turns rows captured in ZV_PENDING into ZV_TRANSACTION + ZV_CHANGE rows with
// clock ids (DESIGN.md section 1). Runs inside the caller's transaction, first
// thing whenever the engine touches the database. Everything pending becomes
// one transaction: triggers cannot see where a writer's transaction began.

import type { Database } from 'better-sqlite3';
import type { ChangeLog } from './change-log';
import type { Hlc } from './hlc';
import { encodeValue } from './values';

interface PendingRow {
  seq: bigint;
  op: 'insert' | 'update' | 'delete';
  entity_type: string;
  entity_id: string;
  attribute: string;
  has_old: bigint;
  old_raw: unknown;
  new_raw: unknown;
}

export interface FlushResult {
  transactionId: string | null;
  changes: number;
  tables: Set<string>;
}

/** The values the replica holds while a flush walks through pending rows. */
export function createWorkingState(log: ChangeLog) {
  const values = new Map<string, string | null>();
  const key = (type: string, id: string, attribute: string) => `${type}\0${id}\0${attribute}`;
  const current = (type: string, id: string, attribute: string): string | null => {
    const k = key(type, id, attribute);
    if (values.has(k)) return values.get(k)!;
    const value = log.latest(type, id, attribute) ?? null;
    values.set(k, value);
    return value;
  };
  return {
    current,
    set: (type: string, id: string, attribute: string, value: string | null) => values.set(key(type, id, attribute), value),
    /** Whether the row exists as far as the log knows. */
    isAlive: (type: string, id: string) => current(type, id, '_deleted') !== '1' && (values.has(key(type, id, '\0any')) || log.hasEntity(type, id)),
    markAlive: (type: string, id: string) => values.set(key(type, id, '\0any'), '1'),
  };
}

export function flushPending(db: Database, log: ChangeLog, hlc: Hlc, author: string): FlushResult {
  const rows = db
    .prepare('SELECT seq, op, entity_type, entity_id, attribute, has_old, old_raw, new_raw FROM ZV_PENDING ORDER BY seq')
    .safeIntegers(true)
    .all() as PendingRow[];
  const result: FlushResult = { transactionId: null, changes: 0, tables: new Set() };
  if (rows.length === 0) return result;

  const transactionId = hlc.next();
  log.insertTransaction(transactionId, author);
  const state = createWorkingState(log);
  const emit = (type: string, id: string, attribute: string, oldValue: string | null, newValue: string) => {
    log.insertChange({ id: hlc.next(), transactionId, entityType: type, entityId: id, attribute, oldValue, newValue });
    state.set(type, id, attribute, newValue);
    state.markAlive(type, id);
    result.changes += 1;
    result.tables.add(type);
  };

  // Consecutive insert rows of one entity are one INSERT (the trigger writes
  // one row per column); whether the row was alive is decided once for it.
  let insertEntity: string | null = null;
  let insertSeen = new Set<string>();
  let insertWasAlive = false;

  for (const row of rows) {
    const { entity_type: type, entity_id: id, attribute } = row;
    if (row.op !== 'insert') insertEntity = null;
    if (row.op === 'update') {
      const oldValue = row.has_old ? encodeValue(row.old_raw) : state.current(type, id, attribute);
      const newValue = encodeValue(row.new_raw);
      if (oldValue !== newValue) emit(type, id, attribute, oldValue, newValue);
    } else if (row.op === 'delete') {
      const before = state.current(type, id, '_deleted');
      if (before !== '1') emit(type, id, '_deleted', before, '1');
    } else {
      const entity = `${type}\0${id}`;
      if (insertEntity !== entity || insertSeen.has(attribute)) {
        insertEntity = entity;
        insertSeen = new Set();
        insertWasAlive = state.isAlive(type, id);
        // Writing a deleted row again brings it back (DESIGN.md 1).
        if (!insertWasAlive && state.current(type, id, '_deleted') === '1') emit(type, id, '_deleted', '1', '0');
      }
      insertSeen.add(attribute);
      const newValue = encodeValue(row.new_raw);
      if (attribute === '_deleted') {
        // A key-only table's row: its existence is its one attribute.
        if (!insertWasAlive && state.current(type, id, '_deleted') !== '0') emit(type, id, '_deleted', state.current(type, id, '_deleted'), '0');
        continue;
      }
      // INSERT OR REPLACE over a live row: record only what changed.
      const oldValue = insertWasAlive ? state.current(type, id, attribute) : null;
      if (!insertWasAlive || oldValue !== newValue) emit(type, id, attribute, oldValue, newValue);
    }
  }

  db.prepare('DELETE FROM ZV_PENDING WHERE seq <= ?').run(rows[rows.length - 1]!.seq);
  if (result.changes === 0) {
    db.prepare('DELETE FROM ZV_TRANSACTION WHERE id = ?').run(transactionId);
    return result;
  }
  result.transactionId = transactionId;
  return result;
}
