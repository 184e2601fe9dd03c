// A device joining a dataset (its log empty) takes whole files of changes in
// bulk. Keeping ZV_CHANGE_by_attribute up to date, an index keyed by entity
// ids that are random in most apps, cost more than the rest of applying a
// change put together: 17.7 s of SQLite for a million changes with it, 7.0 s
// without (docs/performance.md). So while the log fills from files:
//  - that index is dropped, and built once at the end by a sort, which SQLite
//    spreads over a second thread. The other two stay: their keys start with
//    a table name or a transaction id, and ids grow, so rows go in mostly near
//    their ends; kept up to date, they cost the main thread less than their sorts
//    at the end, while it waits for the worker anyway (docs/performance.md);
//  - the changes go in by one INSERT ... SELECT from the attached file;
//  - an entity's row is written from the file that first brought it, which is
//    exact: the log held nothing else of it. Entities a later file touches
//    again are written from the log at the end, once the index is back.
//    Where the file worker wrote the file's newest values (latest-entities.ts),
//    the rows of each common list of attributes go in by one statement
//    (bulk-rows.ts); the rest one by one, as they do from any other file.
// No concurrent-edit inbox entries are made: this device held nothing, and no
// one here saw either value (docs/decisions.md).
//
// A marker in ZV_METADATA stays set while the index is missing; opening a
// database that still has it (a crash mid-join) rebuilds it and every row.

import type { Database, Statement } from 'better-sqlite3';
import type { Hlc } from './hlc';
import { isConstraintError, type EntityToWrite, type Materializer, type MaterializeOutcome } from './materialize';
import type { ApplyResult } from './merge';
import { registerDecodeValue, ROWLESS_TABLE, setInsertSql, statementCache } from './bulk-rows';
import { EntityHashSet } from './entity-hash-set';
import { entityOfLatestRow, LATEST_ENTITIES_TABLE, LATEST_SETS_TABLE, type LatestEntityRow } from './latest-entities';
import { BY_ATTRIBUTE_INDEX, LOG_INDEXES, META, readMeta, writeMeta } from './schema';
import { quoteIdent, type TableShape } from './tables';

/** A file's entities with their newest values: one by one, or the tables of latest-entities.ts attached as `schema`. */
export type FileEntities = Iterable<EntityToWrite> | { schema: string };

export interface BulkLoad {
  /** Applies the changes of the file attached as `source`, with its `entities`; inside the caller's transaction. */
  append(source: string, entities: FileEntities): ApplyResult;
  /** Builds the index and the rows left for the end; inside the caller's transaction. */
  finish(): ApplyResult;
}

const AGAIN = 'temp.zv_bulk_again';
/** Rows read from SQLite at a time while rows are written. */
const PAGE = 4096;
/**
 * A list of attributes gets a statement of its own when at least a sixteenth
 * of a file's entities have it: each statement reads all of them once.
 */
const SET_SHARE_IN_SQL = 16;

/** The statement wrote fewer rows than the list had entities: some already had a row. */
class NotAllNew extends Error {}

export function emptyApplyResult(): ApplyResult {
  return { applied: 0, duplicates: 0, tables: new Set(), waiting: 0, warnings: [] };
}

/** Drops the by-attribute index and starts a bulk load; inside the caller's transaction. */
export function startBulkLoad(
  db: Database,
  hlc: Hlc,
  materializer: Materializer,
  shapeOf: (table: string) => TableShape | undefined,
): BulkLoad {
  db.exec(`DROP INDEX IF EXISTS ${BY_ATTRIBUTE_INDEX}`);
  writeMeta(db, META.bulkLoad, 'joining');
  // Entities some file brought. A file that fails keeps its entities here
  // (this is not rolled back), and so does a false "seen": either only sends
  // an entity to be written from the log at the end, which is always right.
  const seen = new EntityHashSet();
  // Entities a later file touched again: written from the log at the end.
  const markAgain = entitySet(db, AGAIN);
  // Entities brought with no row left (deleted, or waiting): the statements
  // writing rows in SQL know an entity was seen by its row, or by this table.
  const markRowless = entitySet(db, ROWLESS_TABLE);
  const anyRowless = db.prepare(`SELECT 1 FROM ${ROWLESS_TABLE} WHERE entity_type = ? LIMIT 1`).pluck();
  registerDecodeValue(db);
  const statement = statementCache(db);
  /** Tables that rows were written to in SQL: one of their entities was seen if it has a row. */
  const writtenInSql = new Set<string>();
  const hasRow = (shape: TableShape, id: string) =>
    statement(`SELECT 1 FROM main.${quoteIdent(shape.name)} WHERE ${quoteIdent(shape.primaryKey)} = ?`).get(id) !== undefined;

  /** Whether no earlier file brought the entity (a false "seen" only sends it to the end). */
  const firstTime = ({ type, id }: EntityToWrite): boolean => {
    if (!seen.add(type, id)) return false;
    const shape = writtenInSql.has(type) ? shapeOf(type) : undefined;
    return !shape || !hasRow(shape, id);
  };

  /**
   * Yields the entities no earlier file brought: the log held nothing else of
   * them, so this file's values are their row. With `allAgain`, none is
   * yielded (the file repeated changes the log had: their rows come from the
   * log at the end).
   */
  function* newEntities(entities: Iterable<EntityToWrite>, allAgain: boolean): Generator<EntityToWrite> {
    for (const entity of entities) {
      if (firstTime(entity) && !allAgain) yield entity;
      else markAgain.run(entity.type, entity.id);
    }
  }

  const outcomes = (result: ApplyResult) => (entity: EntityToWrite, outcome: MaterializeOutcome) => {
    tally(result, entity, outcome);
    if (outcome === 'deleted' || outcome === 'waiting') markRowless.run(entity.type, entity.id);
  };

  /** Writes one list's rows by one statement, in a savepoint: false (nothing written) when some were not new. */
  const writeList = db.transaction((shape: TableShape, type: string, attributes: string, entities: number, schema: string): boolean => {
    const skipRowless = anyRowless.get(type) !== undefined;
    const sql = setInsertSql(shape, JSON.parse(attributes) as string[], schema, skipRowless);
    if (sql === null) return false;
    let expected = entities;
    if (skipRowless) {
      // Brought before with no row: touched again, and left to the end.
      const from = `FROM ${quoteIdent(schema)}.${LATEST_ENTITIES_TABLE} e JOIN ${ROWLESS_TABLE} r USING (entity_type, entity_id) WHERE e.entity_type = ? AND e.attributes = ?`;
      expected -= statement(`SELECT count(*) ${from}`).pluck().get(type, attributes) as number;
      statement(`INSERT OR IGNORE INTO ${AGAIN} (entity_type, entity_id) SELECT e.entity_type, e.entity_id ${from}`).run(type, attributes);
    }
    writtenInSql.add(type);
    if (statement(sql).run({ type, attributes }).changes !== expected) throw new NotAllNew();
    return true;
  });

  /**
   * Writes in SQL the rows of the lists of attributes common in the file
   * attached as `schema`. Returns the lists left to write one by one (listKey).
   */
  const writeCommonLists = (schema: string, result: ApplyResult): Set<string> => {
    const lists = statement(`SELECT entity_type, attributes, entities FROM ${quoteIdent(schema)}.${LATEST_SETS_TABLE}`)
      .raw(true)
      .all() as Array<[string, string, number]>;
    const total = lists.reduce((sum, [, , entities]) => sum + entities, 0);
    const left = new Set<string>();
    for (const [type, attributes, entities] of lists) {
      const shape = shapeOf(type);
      const common = entities * SET_SHARE_IN_SQL >= total;
      if (shape && common && tryWriteList(shape, type, attributes, entities, schema)) result.tables.add(type);
      else left.add(listKey(type, attributes));
    }
    return left;
  };

  const tryWriteList = (shape: TableShape, type: string, attributes: string, entities: number, schema: string): boolean => {
    try {
      return writeList(shape, type, attributes, entities, schema);
    } catch (error) {
      // Rolled back: some entity was seen before, or some row breaks a local
      // constraint. The one-by-one path tells which (and lets that row wait).
      if (error instanceof NotAllNew || isConstraintError(error)) return false;
      throw error;
    }
  };

  /** The entities of the newest values attached as `schema`; only those of the lists in `only` when given. */
  function* attachedEntities(schema: string, only: Set<string> | null): Generator<EntityToWrite> {
    const page = statement(
      `SELECT rowid, entity_type, entity_id, attributes, new_values FROM ${quoteIdent(schema)}.${LATEST_ENTITIES_TABLE} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`,
    ).raw(true);
    const rows = paged((after: [number, ...LatestEntityRow] | null) => page.all(after?.[0] ?? 0) as Array<[number, ...LatestEntityRow]>);
    for (const [, ...row] of rows) {
      if (!only || only.has(listKey(row[0], row[2]))) yield entityOfLatestRow(row);
    }
  }

  return {
    append(source, entities) {
      const result = emptyApplyResult();
      const from = `"${source}"`;
      const count = db.prepare(`SELECT count(*) FROM ${from}.ZV_CHANGE`).pluck().get() as number;
      db.prepare(
        `INSERT OR IGNORE INTO main.ZV_TRANSACTION (id, author) SELECT id, author FROM ${from}.ZV_TRANSACTION
         WHERE id IN (SELECT transaction_id FROM ${from}.ZV_CHANGE)`,
      ).run();
      result.applied = db
        .prepare(
          `INSERT OR IGNORE INTO main.ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, new_value)
           SELECT id, transaction_id, entity_type, entity_id, attribute, old_value, new_value FROM ${from}.ZV_CHANGE ORDER BY id`,
        )
        .run().changes;
      result.duplicates = count - result.applied;
      const again = result.duplicates > 0;
      if (!('schema' in entities)) materializer.materializeMany(newEntities(entities, again), outcomes(result));
      else {
        const left = again ? null : writeCommonLists(entities.schema, result);
        if (left === null || left.size > 0) materializer.materializeMany(newEntities(attachedEntities(entities.schema, left), again), outcomes(result));
      }

      const newest = db.prepare(`SELECT max(id) FROM ${from}.ZV_CHANGE`).pluck().get() as string | null;
      const warning = newest === null ? null : hlc.observe(newest);
      if (warning) result.warnings.push(warning);
      return result;
    },
    finish() {
      const result = emptyApplyResult();
      buildLogIndexes(db);
      const again = db
        .prepare(`SELECT entity_type, entity_id FROM ${AGAIN} WHERE (entity_type, entity_id) > (?, ?) ORDER BY 1, 2 LIMIT ${PAGE}`)
        .raw(true);
      const keys = paged((after: EntityKey | null) => again.all(...(after ?? ['', ''])) as EntityKey[]);
      materializer.materializeMany(entityKeys(keys), (entity, outcome) => tally(result, entity, outcome));
      db.exec(`DROP TABLE ${AGAIN}; DROP TABLE ${ROWLESS_TABLE}`);
      db.prepare('DELETE FROM ZV_METADATA WHERE key = ?').run(META.bulkLoad);
      return result;
    },
  };
}

/**
 * After a crash in the middle of a bulk load (the marker is still set): the
 * index was rebuilt when the schema was installed; every row is written again
 * from the log. Returns whether there was anything to recover.
 */
export function recoverBulkLoad(db: Database, materializer: Materializer): boolean {
  if (readMeta(db, META.bulkLoad) === null) return false;
  buildLogIndexes(db);
  const every = db
    .prepare(`SELECT entity_type, entity_id FROM ZV_CHANGE WHERE (entity_type, entity_id) > (?, ?) GROUP BY 1, 2 ORDER BY 1, 2 LIMIT ${PAGE}`)
    .raw(true);
  const keys = paged((after: EntityKey | null) => every.all(...(after ?? ['', ''])) as EntityKey[]);
  materializer.materializeMany(entityKeys(keys), () => undefined);
  db.prepare('DELETE FROM ZV_METADATA WHERE key = ?').run(META.bulkLoad);
  return true;
}

/** Builds whichever log indexes are missing (an older version set all three aside); each is one sort, which SQLite may split with a helper thread. */
function buildLogIndexes(db: Database): void {
  db.pragma('threads = 1');
  try {
    for (const index of LOG_INDEXES) db.exec(index.create);
  } finally {
    db.pragma('threads = 0');
  }
}

/** A new temp table of entity keys (type, id); returns the statement that adds one, once. */
function entitySet(db: Database, table: string): Statement {
  db.exec(`DROP TABLE IF EXISTS ${table};
    CREATE TABLE ${table} (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (entity_type, entity_id)) WITHOUT ROWID`);
  return db.prepare(`INSERT OR IGNORE INTO ${table} (entity_type, entity_id) VALUES (?, ?)`);
}

/** One list of attributes of one entity type, as a key. */
function listKey(type: string, attributes: string): string {
  return `${type}\0${attributes}`;
}

type EntityKey = [entityType: string, entityId: string];

/** Rows read a page at a time (`fetch` gets the last row of the previous page), so no read stays open between pages. */
function* paged<T>(fetch: (after: T | null) => T[]): Generator<T> {
  let after: T | null = null;
  for (;;) {
    const rows = fetch(after);
    if (rows.length === 0) return;
    yield* rows;
    after = rows[rows.length - 1]!;
  }
}

function* entityKeys(rows: Iterable<EntityKey>): Generator<EntityToWrite> {
  for (const [type, id] of rows) yield { type, id };
}

function tally(result: ApplyResult, entity: EntityToWrite, outcome: string): void {
  if (outcome === 'untracked' || outcome === 'waiting') result.waiting += 1;
  else result.tables.add(entity.type);
}
