// The programmatic write API: puts and deletes as one transaction. It writes
// the row itself (capture off), reads it back, and records what changed, so
// SQLite's type affinity and column defaults end up in the log exactly as a
// captured write of the same row would record them.

import type { Database, Statement } from 'better-sqlite3';
import { TidemarkError } from '../../shared/errors';
import type { WriteOp } from '../../shared/types';
import type { ChangeLog } from './change-log';
import { createWorkingState } from './capture';
import type { Hlc } from './hlc';
import { isConstraintError } from './materialize';
import { quoteIdent, type TableShape } from './tables';
import { encodeValue } from './values';

export interface WriteResult {
  transactionId: string | null;
  changes: number;
  tables: Set<string>;
}

export function applyWrites(
  db: Database,
  log: ChangeLog,
  hlc: Hlc,
  author: string,
  shapeOf: (table: string) => TableShape | undefined,
  ops: readonly WriteOp[],
): WriteResult {
  const result: WriteResult = { transactionId: null, changes: 0, tables: new Set() };
  const transactionId = hlc.next();
  log.insertTransaction(transactionId, author);
  const state = createWorkingState(log);
  const emit = (type: string, id: string, attribute: string, oldValue: string | null, newValue: string) => {
    log.insertChange({ id: hlc.next(), transactionId, entityType: type, entityId: id, attribute, oldValue, newValue });
    result.changes += 1;
    result.tables.add(type);
  };

  for (const op of ops) {
    const shape = shapeOf(op.table);
    if (!shape) {
      throw new TidemarkError({ kind: 'table-not-tracked', table: op.table, hint: `Track it first: tidemark track <db> ${op.table}` });
    }
    const id = String(op.id);
    const before = readRow(db, shape, id);
    try {
      if (op.op === 'delete') {
        if (!before) continue;
        run(db, `DELETE FROM ${quoteIdent(shape.name)} WHERE ${quoteIdent(shape.primaryKey)} = ?`, [id]);
        emit(shape.name, id, '_deleted', state.current(shape.name, id, '_deleted'), '1');
        continue;
      }
      const columns = Object.keys(op.values);
      for (const column of columns) {
        if (!shape.columns.includes(column)) {
          throw new TidemarkError({ kind: 'column-missing', table: shape.name, column, hint: `Columns of ${shape.name}: ${shape.columns.join(', ')}` });
        }
      }
      const values = columns.map((column) => toBindable(op.values[column], column));
      if (before) {
        if (columns.length === 0) continue;
        const set = columns.map((c) => `${quoteIdent(c)} = ?`).join(', ');
        run(db, `UPDATE ${quoteIdent(shape.name)} SET ${set} WHERE ${quoteIdent(shape.primaryKey)} = ?`, [...values, id]);
      } else {
        const names = [shape.primaryKey, ...columns].map(quoteIdent);
        run(db, `INSERT INTO ${quoteIdent(shape.name)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, [
          id,
          ...values,
        ]);
      }
      const after = readRow(db, shape, id)!;
      if (!before) {
        if (state.current(shape.name, id, '_deleted') === '1') emit(shape.name, id, '_deleted', '1', '0');
        // A key-only row exists through _deleted 0; a deleted one got it just above.
        if (shape.columns.length === 0 && state.current(shape.name, id, '_deleted') !== '0') {
          emit(shape.name, id, '_deleted', state.current(shape.name, id, '_deleted'), '0');
        }
      }
      for (const column of shape.columns) {
        const newValue = encodeValue(after[column]);
        if (!before) emit(shape.name, id, column, null, newValue);
        else {
          const oldValue = encodeValue(before[column]);
          if (oldValue !== newValue) emit(shape.name, id, column, oldValue, newValue);
        }
      }
    } catch (error) {
      if (isConstraintError(error)) {
        throw new TidemarkError({ kind: 'constraint', table: shape.name, message: error.message, hint: 'Nothing was written; fix the values and try again.' });
      }
      throw error;
    }
  }
  if (result.changes === 0) db.prepare('DELETE FROM ZV_TRANSACTION WHERE id = ?').run(transactionId);
  else result.transactionId = transactionId;
  return result;
}

const statementCache = new WeakMap<Database, Map<string, Statement>>();

function run(db: Database, sql: string, params: unknown[]): void {
  prepared(db, sql).run(...params);
}

function prepared(db: Database, sql: string): Statement {
  let cache = statementCache.get(db);
  if (!cache) statementCache.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

function readRow(db: Database, shape: TableShape, id: string): Record<string, unknown> | undefined {
  const statement = prepared(db, `SELECT * FROM ${quoteIdent(shape.name)} WHERE ${quoteIdent(shape.primaryKey)} = ?`);
  return statement.safeIntegers(true).get(id) as Record<string, unknown> | undefined;
}

function toBindable(value: unknown, column: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string' || typeof value === 'bigint' || value instanceof Uint8Array) return value;
  throw new TidemarkError({
    kind: 'invalid-input',
    field: column,
    message: `a ${Array.isArray(value) ? 'list' : typeof value} cannot be stored in a SQLite column`,
    hint: 'Use text, a number, null, or bytes; store structured data as JSON text.',
  });
}
