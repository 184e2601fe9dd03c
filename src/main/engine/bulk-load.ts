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
// No concurrent-edit inbox entries are made: this device held nothing, and no
// one here saw either value (docs/decisions.md).
//
// A marker in ZV_METADATA stays set while the index is missing; opening a
// database that still has it (a crash mid-join) rebuilds it and every row.

import type { Database } from 'better-sqlite3';
import type { Hlc } from './hlc';
import type { EntityToWrite, Materializer } from './materialize';
import type { ApplyResult } from './merge';
import { EntityHashSet } from './entity-hash-set';
import { BY_ATTRIBUTE_INDEX, LOG_INDEXES, META, readMeta, writeMeta } from './schema';

export interface BulkLoad {
  /**
   * Applies the changes of the file attached as `source`, whose entities
   * with their newest values there `entities` yields; inside the caller's transaction.
   */
  append(source: string, entities: Iterable<EntityToWrite>): ApplyResult;
  /** Builds the index and the rows left for the end; inside the caller's transaction. */
  finish(): ApplyResult;
}

const AGAIN = 'temp.zv_bulk_again';
/** Rows read from SQLite at a time while rows are written. */
const PAGE = 4096;

export function emptyApplyResult(): ApplyResult {
  return { applied: 0, duplicates: 0, tables: new Set(), waiting: 0, warnings: [] };
}

/** Drops the by-attribute index and starts a bulk load; inside the caller's transaction. */
export function startBulkLoad(db: Database, hlc: Hlc, materializer: Materializer): BulkLoad {
  db.exec(`DROP INDEX IF EXISTS ${BY_ATTRIBUTE_INDEX}`);
  writeMeta(db, META.bulkLoad, 'joining');
  // Entities some file brought. A file that fails keeps its entities here
  // (this is not rolled back), and so does a false "seen": either only sends
  // an entity to be written from the log at the end, which is always right.
  const seen = new EntityHashSet();
  // Entities a later file touched again: written from the log at the end.
  db.exec(`DROP TABLE IF EXISTS ${AGAIN};
    CREATE TABLE ${AGAIN} (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (entity_type, entity_id)) WITHOUT ROWID`);
  const markAgain = db.prepare(`INSERT OR IGNORE INTO ${AGAIN} (entity_type, entity_id) VALUES (?, ?)`);

  /**
   * Yields the entities no earlier file brought: the log held nothing else of
   * them, so this file's values are their row. With `allAgain`, none is
   * yielded (the file repeated changes the log had: their rows come from the
   * log at the end).
   */
  function* newEntities(entities: Iterable<EntityToWrite>, allAgain: boolean): Generator<EntityToWrite> {
    for (const entity of entities) {
      if (seen.add(entity.type, entity.id) && !allAgain) yield entity;
      else markAgain.run(entity.type, entity.id);
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
      materializer.materializeMany(newEntities(entities, result.duplicates > 0), (entity, outcome) => tally(result, entity, outcome));

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
      db.exec(`DROP TABLE ${AGAIN}`);
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
