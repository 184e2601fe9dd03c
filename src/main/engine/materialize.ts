// Makes a user-table row equal to what the change log says (DESIGN.md 2):
// each attribute takes the new_value of its change with the greatest id, and
// the row exists iff it has attributes and its latest _deleted is not 1.
// Recomputing the whole entity from the log makes the result independent of
// the order changes arrived in.

import type { Database, Statement } from 'better-sqlite3';
import type { ChangeLog } from './change-log';
import { quoteIdent, type TableShape } from './tables';
import { decodeValue } from './values';

export type MaterializeOutcome =
  | 'written'
  | 'deleted'
  /** The table is not tracked here (yet): the changes wait in the log. */
  | 'untracked'
  /** The row could not be written as the log has it (e.g. NOT NULL without a value yet). */
  | 'waiting';

export interface Materializer {
  materialize(entityType: string, entityId: string): MaterializeOutcome;
  /** Forget cached statements after a schema change. */
  reset(): void;
}

export function createMaterializer(
  db: Database,
  log: ChangeLog,
  shapeOf: (table: string) => TableShape | undefined,
  options: { strict: boolean },
): Materializer {
  const statements = new Map<string, Statement>();
  const columnSets = new Map<string, Set<string>>();

  const cached = (key: string, sql: () => string): Statement => {
    let statement = statements.get(key);
    if (!statement) {
      statement = db.prepare(sql());
      statements.set(key, statement);
    }
    return statement;
  };

  const columnsOf = (shape: TableShape): Set<string> => {
    let set = columnSets.get(shape.name);
    if (!set) {
      set = new Set(shape.columns);
      columnSets.set(shape.name, set);
    }
    return set;
  };

  const remove = (shape: TableShape, entityId: string) =>
    cached(`delete\0${shape.name}`, () => `DELETE FROM ${quoteIdent(shape.name)} WHERE ${quoteIdent(shape.primaryKey)} = ?`).run(
      entityId,
    );

  const upsert = (shape: TableShape, entityId: string, columns: string[], values: unknown[]) => {
    const key = `upsert\0${shape.name}\0${columns.join('\0')}`;
    const statement = cached(key, () => {
      const names = [shape.primaryKey, ...columns].map(quoteIdent);
      const update = columns.length
        ? `DO UPDATE SET ${columns.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`
        : 'DO NOTHING';
      return `INSERT INTO ${quoteIdent(shape.name)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})
        ON CONFLICT (${quoteIdent(shape.primaryKey)}) ${update}`;
    });
    statement.run(entityId, ...values);
  };

  return {
    materialize(entityType, entityId) {
      const shape = shapeOf(entityType);
      if (!shape) return 'untracked';
      const known = columnsOf(shape);
      const columns: string[] = [];
      const values: unknown[] = [];
      let deleted = false;
      for (const { attribute, value } of log.latestOfEntity(entityType, entityId)) {
        if (attribute === '_deleted') deleted = value === '1';
        else if (known.has(attribute)) {
          columns.push(attribute);
          values.push(decodeValue(value));
        }
      }
      if (deleted) {
        remove(shape, entityId);
        return 'deleted';
      }
      try {
        upsert(shape, entityId, columns, values);
        return 'written';
      } catch (error) {
        // Remote changes must never stop a sync: a row that breaks a local
        // constraint waits in the log. A local write must fail loudly instead.
        if (!options.strict && isConstraintError(error)) return 'waiting';
        throw error;
      }
    },
    reset() {
      statements.clear();
      columnSets.clear();
    },
  };
}

export function isConstraintError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
