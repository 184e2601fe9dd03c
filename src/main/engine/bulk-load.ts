// A device joining a dataset (its log empty) takes whole files of changes in
// bulk. Keeping ZV_CHANGE_by_attribute up to date, an index keyed by entity
// ids that are random in most apps, cost more than the rest of applying a
// change put together: 17.7 s of SQLite for a million changes with it, 7.0 s
// without (docs/performance.md). So while the log fills from files:
//  - the log's indexes are dropped (the other two cost 1-2 s more), and built
//    once at the end by sorts, which SQLite spreads over a second thread;
//  - the changes go in by one INSERT ... SELECT from the attached file;
//  - an entity's row is written from the file that first brought it, which is
//    exact: the log held nothing else of it. Entities a later file touches
//    again are written from the log at the end, once the index is back.
// No concurrent-edit inbox entries are made: this device held nothing, and no
// one here saw either value (docs/decisions.md).
//
// A marker in ZV_METADATA stays set while the indexes are missing; opening a
// database that still has it (a crash mid-join) rebuilds them and every row.

import type { Database } from 'better-sqlite3';
import type { Hlc } from './hlc';
import type { EntityToWrite, Materializer } from './materialize';
import type { ApplyResult } from './merge';
import { LOG_INDEXES, META, readMeta, writeMeta } from './schema';

export interface BulkLoad {
  /**
   * Applies the changes of the file attached as `source`, whose newest value
   * of each attribute `latest` yields in entity order; inside the caller's transaction.
   */
  append(source: string, latest: Iterable<LatestValueRow>): ApplyResult;
  /** Builds the index and the rows left for the end; inside the caller's transaction. */
  finish(): ApplyResult;
}

/** One attribute's newest value in a file: entity type, entity id, attribute, value. */
export type LatestValueRow = [entityType: string, entityId: string, attribute: string, value: string | null];

const SEEN = 'temp.zv_bulk_seen';
/** Entities probed and recorded per statement. */
const PROBE = 64;
/** Rows read from SQLite at a time while rows are written. */
const PAGE = 4096;

export function emptyApplyResult(): ApplyResult {
  return { applied: 0, duplicates: 0, tables: new Set(), waiting: 0, warnings: [] };
}

/** Drops the log's indexes and starts a bulk load; inside the caller's transaction. */
export function startBulkLoad(db: Database, hlc: Hlc, materializer: Materializer): BulkLoad {
  for (const index of LOG_INDEXES) db.exec(`DROP INDEX IF EXISTS ${index.name}`);
  writeMeta(db, META.bulkLoad, 'joining');
  // Entities some file brought; `again` when a later file touched them too.
  db.exec(`DROP TABLE IF EXISTS ${SEEN};
    CREATE TABLE ${SEEN} (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, again INTEGER NOT NULL,
      PRIMARY KEY (entity_type, entity_id)) WITHOUT ROWID`);
  const probe = db.prepare(
    `SELECT entity_type, entity_id FROM ${SEEN} WHERE (entity_type, entity_id) IN (VALUES ${new Array(PROBE).fill('(?, ?)').join(', ')})`,
  ).raw(true);
  const record = db.prepare(
    `INSERT INTO ${SEEN} (entity_type, entity_id, again) VALUES ${new Array(PROBE).fill('(?, ?, ?)').join(', ')}
     ON CONFLICT DO UPDATE SET again = 1`,
  );
  const recordOne = db.prepare(`INSERT INTO ${SEEN} (entity_type, entity_id, again) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET again = 1`);
  const probeArgs: unknown[] = new Array(PROBE * 2);
  const recordArgs: unknown[] = new Array(PROBE * 3);

  /**
   * Records a group of entities as seen and yields those no earlier file
   * brought: the log held nothing else of them, so this file's values are
   * their row. With `allAgain`, none is yielded (the file repeated changes
   * the log had: their rows come from the log at the end).
   */
  function* firstSeen(group: EntityToWrite[], allAgain: boolean): Generator<EntityToWrite> {
    const known = new Set<string>();
    if (!allAgain) {
      for (let i = 0; i < PROBE; i++) {
        const entity = group[i];
        probeArgs[2 * i] = entity ? entity.type : null;
        probeArgs[2 * i + 1] = entity ? entity.id : null;
      }
      for (const [type, id] of probe.all(probeArgs) as Array<[string, string]>) known.add(`${type}\0${id}`);
    }
    const again = (entity: EntityToWrite) => (allAgain || known.has(`${entity.type}\0${entity.id}`) ? 1 : 0);
    if (group.length === PROBE) {
      group.forEach((entity, i) => {
        recordArgs[3 * i] = entity.type;
        recordArgs[3 * i + 1] = entity.id;
        recordArgs[3 * i + 2] = again(entity);
      });
      record.run(recordArgs);
    } else for (const entity of group) recordOne.run(entity.type, entity.id, again(entity));
    for (const entity of group) if (!again(entity)) yield entity;
  }

  function* newEntities(latest: Iterable<LatestValueRow>, allAgain: boolean): Generator<EntityToWrite> {
    let group: EntityToWrite[] = [];
    for (const entity of entitiesOf(latest)) {
      group.push(entity);
      if (group.length < PROBE) continue;
      yield* firstSeen(group, allAgain);
      group = [];
    }
    if (group.length > 0) yield* firstSeen(group, allAgain);
  }

  return {
    append(source, latest) {
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
      materializer.materializeMany(newEntities(latest, result.duplicates > 0), (entity, outcome) => tally(result, entity, outcome));

      const newest = db.prepare(`SELECT max(id) FROM ${from}.ZV_CHANGE`).pluck().get() as string | null;
      const warning = newest === null ? null : hlc.observe(newest);
      if (warning) result.warnings.push(warning);
      return result;
    },
    finish() {
      const result = emptyApplyResult();
      buildLogIndexes(db);
      const again = db
        .prepare(`SELECT entity_type, entity_id FROM ${SEEN} WHERE again = 1 AND (entity_type, entity_id) > (?, ?) ORDER BY 1, 2 LIMIT ${PAGE}`)
        .raw(true);
      const keys = paged((after: EntityKey | null) => again.all(...(after ?? ['', ''])) as EntityKey[]);
      materializer.materializeMany(entityKeys(keys), (entity, outcome) => tally(result, entity, outcome));
      db.exec(`DROP TABLE ${SEEN}`);
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

/** Builds whichever log indexes are missing; each is one sort, which SQLite may split with a helper thread. */
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

/** Rows of one entity's latest values (grouped, in entity order) as entities to write. */
function* entitiesOf(rows: Iterable<LatestValueRow>): Generator<EntityToWrite> {
  let current: { type: string; id: string; latest: Array<{ attribute: string; value: string | null }> } | null = null;
  for (const [type, id, attribute, value] of rows) {
    if (current === null || current.id !== id || current.type !== type) {
      if (current) yield current;
      current = { type, id, latest: [] };
    }
    current.latest.push({ attribute, value });
  }
  if (current) yield current;
}

function* entityKeys(rows: Iterable<EntityKey>): Generator<EntityToWrite> {
  for (const [type, id] of rows) yield { type, id };
}

function tally(result: ApplyResult, entity: EntityToWrite, outcome: string): void {
  if (outcome === 'untracked' || outcome === 'waiting') result.waiting += 1;
  else result.tables.add(entity.type);
}
