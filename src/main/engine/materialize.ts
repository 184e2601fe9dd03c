// Makes a user-table row equal to what the change log says (DESIGN.md 2):
// each attribute takes the new_value of its change with the greatest id, and
// the row exists iff it has attributes and its latest _deleted is not 1.
// Recomputing the whole entity from the log makes the result independent of
// the order changes arrived in.

import type { Database, Statement } from 'better-sqlite3';
import type { ChangeLog, LatestValue } from './change-log';
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
  /**
   * Writes the row as the log has it. `latest` (each attribute's newest value)
   * is read from the log unless the caller already knows it.
   */
  materialize(entityType: string, entityId: string, latest?: readonly LatestValue[]): MaterializeOutcome;
  /**
   * The same for many entities, in order, with rows of one table and column
   * set written up to 32 per statement. `done` hears each entity's outcome.
   */
  materializeMany(entities: Iterable<EntityToWrite>, done: (entity: EntityToWrite, outcome: MaterializeOutcome) => void): void;
  /** Forget cached statements after a schema change. */
  reset(): void;
}

export interface EntityToWrite {
  type: string;
  id: string;
  latest?: readonly LatestValue[];
}

/** What one entity's row must become. */
type RowPlan =
  | { kind: 'untracked' }
  | { kind: 'delete'; shape: TableShape }
  | { kind: 'upsert'; shape: TableShape; columns: string[]; values: unknown[]; key: string };

/** Rows per multi-row upsert. */
const ROWS_PER_UPSERT = 32;

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

  const plan = (entityType: string, entityId: string, latest: readonly LatestValue[] | undefined): RowPlan => {
    const shape = shapeOf(entityType);
    if (!shape) return { kind: 'untracked' };
    const known = columnsOf(shape);
    const columns: string[] = [];
    const values: unknown[] = [];
    let deleted = false;
    for (const { attribute, value } of latest ?? log.latestOfEntity(entityType, entityId)) {
      if (attribute === '_deleted') deleted = value === '1';
      else if (known.has(attribute)) {
        columns.push(attribute);
        values.push(decodeValue(value));
      }
    }
    if (deleted) return { kind: 'delete', shape };
    return { kind: 'upsert', shape, columns, values, key: `${shape.name}\0${columns.join('\0')}` };
  };

  const remove = (shape: TableShape, entityId: string) =>
    cached(`delete\0${shape.name}`, () => `DELETE FROM ${quoteIdent(shape.name)} WHERE ${quoteIdent(shape.primaryKey)} = ?`).run(
      entityId,
    );

  /** INSERT ... ON CONFLICT (key) DO UPDATE for `rows` rows of one column set. */
  const upsertStatement = (shape: TableShape, columns: string[], key: string, rows: number): Statement =>
    cached(`upsert\0${rows}\0${key}`, () => {
      const names = [shape.primaryKey, ...columns].map(quoteIdent);
      const update = columns.length
        ? `DO UPDATE SET ${columns.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`
        : 'DO NOTHING';
      const row = `(${names.map(() => '?').join(', ')})`;
      return `INSERT INTO ${quoteIdent(shape.name)} (${names.join(', ')}) VALUES ${new Array(rows).fill(row).join(', ')}
        ON CONFLICT (${quoteIdent(shape.primaryKey)}) ${update}`;
    });

  /** Writes one planned row; a row that breaks a local constraint waits (remote) or fails (strict). */
  const write = (entityId: string, row: RowPlan): MaterializeOutcome => {
    if (row.kind === 'untracked') return 'untracked';
    if (row.kind === 'delete') {
      remove(row.shape, entityId);
      return 'deleted';
    }
    try {
      upsertStatement(row.shape, row.columns, row.key, 1).run(entityId, ...row.values);
      return 'written';
    } catch (error) {
      // Remote changes must never stop a sync: a row that breaks a local
      // constraint waits in the log. A local write must fail loudly instead.
      if (!options.strict && isConstraintError(error)) return 'waiting';
      throw error;
    }
  };

  return {
    materialize(entityType, entityId, latest) {
      return write(entityId, plan(entityType, entityId, latest));
    },
    materializeMany(entities, done) {
      // Consecutive upserts of one table and column set, written together.
      let group: Array<{ entity: EntityToWrite; row: RowPlan & { kind: 'upsert' } }> = [];
      const flush = () => {
        if (group.length === 0) return;
        const written = group;
        group = [];
        if (written.length > 1) {
          const first = written[0]!.row;
          const args: unknown[] = [];
          for (const { entity, row } of written) args.push(entity.id, ...row.values);
          try {
            upsertStatement(first.shape, first.columns, first.key, written.length).run(args);
            for (const { entity } of written) done(entity, 'written');
            return;
          } catch (error) {
            // The statement wrote nothing: write its rows one by one, so each
            // row that breaks a constraint waits (or fails) on its own.
            if (!isConstraintError(error)) throw error;
          }
        }
        for (const { entity, row } of written) done(entity, write(entity.id, row));
      };
      for (const entity of entities) {
        const row = plan(entity.type, entity.id, entity.latest);
        if (row.kind !== 'upsert') {
          flush();
          done(entity, write(entity.id, row));
          continue;
        }
        if (group.length > 0 && (group[0]!.row.key !== row.key || group.length >= ROWS_PER_UPSERT)) flush();
        group.push({ entity, row });
      }
      flush();
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
