// The programmatic write API: puts and deletes as one transaction. It writes
// the row itself (capture off), reads it back, and records what changed, so
// SQLite's type affinity and column defaults end up in the log exactly as a
// captured write of the same row would record them.

import type { Database, Statement } from 'better-sqlite3';
import { TidemarkError } from '../../shared/errors';
import type { WriteOp } from '../../shared/types';
import type { ChangeLog } from './change-log';
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
  // Changes go to the log 64 per statement; a read of an entity with queued changes flushes first.
  const writer = log.writer();
  const emit = (type: string, id: string, attribute: string, oldValue: string | null, newValue: string) => {
    writer.add({ id: hlc.next(), transactionId, entityType: type, entityId: id, attribute, oldValue, newValue });
    result.changes += 1;
    result.tables.add(type);
  };
  const current = (type: string, id: string, attribute: string) => {
    if (writer.isQueued(type, id)) writer.flush();
    return log.latest(type, id, attribute) ?? null;
  };
  // Whether the log knew each written entity before this write, asked 64 at a time:
  // a new row of an entity it never saw has no _deleted to look up.
  const knownBefore = knownEntitiesOf(log, ops);

  for (const op of ops) {
    const shape = shapeOf(op.table);
    if (!shape) {
      throw new TidemarkError({ kind: 'table-not-tracked', table: op.table, hint: `Track it first: tidemark track <db> ${op.table}` });
    }
    const id = String(op.id);
    const sql = sqlOf(shape);
    const before = readRow(db, sql, id);
    try {
      if (op.op === 'delete') {
        if (!before) continue;
        prepared(db, sql.delete).run(id);
        emit(shape.name, id, '_deleted', current(shape.name, id, '_deleted'), '1');
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
        values.push(id);
        prepared(db, sql.update(columns)).run(values);
      } else {
        values.unshift(id);
        prepared(db, sql.insert(columns)).run(values);
      }
      const after = readRow(db, sql, id)!;
      if (!before) {
        const known = knownBefore.has(`${shape.name}\0${id}`) || writer.wasAdded(shape.name, id);
        let deleted = known ? current(shape.name, id, '_deleted') : null;
        if (deleted === '1') {
          emit(shape.name, id, '_deleted', '1', '0');
          deleted = '0';
        }
        // A key-only row exists through _deleted 0; a deleted one got it just above.
        if (shape.columns.length === 0 && deleted !== '0') emit(shape.name, id, '_deleted', deleted, '0');
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
  writer.flush();
  if (result.changes === 0) db.prepare('DELETE FROM ZV_TRANSACTION WHERE id = ?').run(transactionId);
  else result.transactionId = transactionId;
  return result;
}

/** The `table\0id` keys of written entities the log holds changes of. */
function knownEntitiesOf(log: ChangeLog, ops: readonly WriteOp[]): Set<string> {
  const idsByTable = new Map<string, Set<string>>();
  for (const op of ops) {
    let ids = idsByTable.get(op.table);
    if (!ids) idsByTable.set(op.table, (ids = new Set()));
    ids.add(String(op.id));
  }
  const known = new Set<string>();
  for (const [table, set] of idsByTable) {
    const ids = [...set];
    const flags = log.knownEntities(table, ids);
    for (let i = 0; i < ids.length; i++) if (flags[i]) known.add(`${table}\0${ids[i]}`);
  }
  return known;
}

/** The SQL of one table's writes, built once per shape (names quoted from the real schema). */
interface TableSql {
  select: string;
  delete: string;
  insert(columns: string[]): string;
  update(columns: string[]): string;
}

const sqlByShape = new WeakMap<TableShape, TableSql>();

function sqlOf(shape: TableShape): TableSql {
  let sql = sqlByShape.get(shape);
  if (sql) return sql;
  const table = quoteIdent(shape.name);
  const key = quoteIdent(shape.primaryKey);
  const quoted = new Map([shape.primaryKey, ...shape.columns].map((c) => [c, quoteIdent(c)]));
  const q = (column: string) => quoted.get(column) ?? quoteIdent(column);
  const inserts = new Map<string, string>();
  const updates = new Map<string, string>();
  sql = {
    select: `SELECT * FROM ${table} WHERE ${key} = ?`,
    delete: `DELETE FROM ${table} WHERE ${key} = ?`,
    insert(columns) {
      const k = columns.join('\0');
      let text = inserts.get(k);
      if (text === undefined) {
        const names = [key, ...columns.map(q)];
        inserts.set(k, (text = `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`));
      }
      return text;
    },
    update(columns) {
      const k = columns.join('\0');
      let text = updates.get(k);
      if (text === undefined) updates.set(k, (text = `UPDATE ${table} SET ${columns.map((c) => `${q(c)} = ?`).join(', ')} WHERE ${key} = ?`));
      return text;
    },
  };
  sqlByShape.set(shape, sql);
  return sql;
}

const statementCache = new WeakMap<Database, Map<string, Statement>>();

function prepared(db: Database, sql: string): Statement {
  let cache = statementCache.get(db);
  if (!cache) statementCache.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

function readRow(db: Database, sql: TableSql, id: string): Record<string, unknown> | undefined {
  return prepared(db, sql.select).safeIntegers(true).get(id) as Record<string, unknown> | undefined;
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
