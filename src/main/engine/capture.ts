// Turns rows captured in ZV_PENDING into ZV_TRANSACTION + ZV_CHANGE rows with
// clock ids (DESIGN.md section 1). Runs inside the caller's transaction, first
// thing whenever the engine touches the database. Everything pending becomes
// one transaction: triggers cannot see where a writer's transaction began.
//
// Pending rows are read in pages (a bulk import can leave millions), and what
// the replica holds is asked of the log itself: local ids are always the
// newest, so once this flush's queued changes are written the log's latest
// value is the current one, without a cache growing with the flush.

import type { Database, Statement } from 'better-sqlite3';
import type { ChangeLog } from './change-log';
import type { Hlc } from './hlc';
import { encodeValue } from './values';
import { BY_ATTRIBUTE_INDEX, CREATE_BY_ATTRIBUTE_INDEX } from './schema';

/** Pending rows read at a time. */
const PAGE = 4096;

export interface FlushResult {
  transactionId: string | null;
  changes: number;
  tables: Set<string>;
}

interface FlushStatements {
  page: Statement;
  clear: Statement;
  dropTransaction: Statement;
  anyButInserts: Statement;
  repeatedAttribute: Statement;
  tablesInLog: Statement;
}

/**
 * The changes the loop in flushPending makes of new entities' inserts: one per
 * pending row, in seq order, old value null, the value as encodeValue writes it.
 */
const IMPORT_ALL = `SELECT zv_next_change_id(), ?, entity_type, entity_id, attribute, NULL, zv_encode_value(new_raw)
  FROM ZV_PENDING ORDER BY seq`;

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
      // Every pending row is read before this runs, inside one IMMEDIATE
      // transaction no other writer can add to: a DELETE without WHERE, which
      // SQLite does by dropping whole pages (a million rows in a blink, not seconds).
      clear: db.prepare('DELETE FROM ZV_PENDING'),
      dropTransaction: db.prepare('DELETE FROM ZV_TRANSACTION WHERE id = ?'),
      anyButInserts: db.prepare("SELECT 1 FROM ZV_PENDING WHERE op <> 'insert' LIMIT 1"),
      repeatedAttribute: db.prepare('SELECT 1 FROM ZV_CHANGE GROUP BY entity_type, entity_id, attribute HAVING count(*) > 1 LIMIT 1'),
      // Each table name once, by one index probe per name instead of a scan of the log.
      tablesInLog: db
        .prepare(
          `WITH RECURSIVE t(name) AS (SELECT min(entity_type) FROM ZV_CHANGE
             UNION ALL SELECT (SELECT min(entity_type) FROM ZV_CHANGE WHERE entity_type > name) FROM t WHERE name IS NOT NULL)
           SELECT name FROM t WHERE name IS NOT NULL`,
        )
        .pluck(),
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
  // Changes go to the log 64 per statement; a read of an entity with queued changes flushes first.
  const writer = log.writer();
  const emit = (type: string, id: string, attribute: string, oldValue: string | null, newValue: string) => {
    writer.add({ id: hlc.next(), transactionId, entityType: type, entityId: id, attribute, oldValue, newValue });
    result.changes += 1;
    result.tables.add(type);
  };
  // A first import (the log empty, a page or more pending) writes without the
  // by-attribute index while every row is a new entity's insert: nothing needs
  // looking up, and the index is built once at the end by a sort instead of
  // row by row (the same reasoning as bulk-load.ts). The first row that would
  // need a lookup builds it then. All of it is one transaction.
  let imported: Set<string> | null = rows.length === PAGE && log.isEmpty() ? new Set() : null;
  if (imported) {
    db.exec(`DROP INDEX IF EXISTS ${BY_ATTRIBUTE_INDEX}`);
    const changes = importInOneStatement(db, statements, log, hlc, transactionId);
    if (changes > 0) {
      statements.clear.run();
      for (const table of statements.tablesInLog.all() as string[]) result.tables.add(table);
      return { ...result, transactionId, changes };
    }
  }
  const endImport = () => {
    if (!imported) return;
    writer.flush();
    db.exec(CREATE_BY_ATTRIBUTE_INDEX);
    imported = null;
  };
  const current = (type: string, id: string, attribute: string) => {
    endImport();
    if (writer.isQueued(type, id)) writer.flush();
    return log.latest(type, id, attribute) ?? null;
  };

  // Consecutive insert rows of one entity are one INSERT (the trigger writes
  // one row per column); whether the row was alive is decided once for it.
  let insertEntity: string | null = null;
  const insertSeen = new Set<string>();
  let insertWasAlive = false;
  /** The entity's _deleted value as of now, while in an insert. */
  let insertDeleted: string | null = null;
  let lastSeq = 0n;

  while (rows.length > 0) {
    // Whether the log held each inserted entity as this page starts, asked 64 at a time.
    const knownAtStart = imported ? imported : knownEntitiesOf(log, rows);
    writer.mark();
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
          if (imported?.has(entity)) endImport(); // written again: from here on, look it up
          // A row the log never saw needs no look at its _deleted.
          const known = knownAtStart.has(entity) || writer.wasAdded(type, id);
          imported?.add(entity);
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
    writer.flush();
    lastSeq = rows[rows.length - 1]![0] as bigint;
    rows = rows.length < PAGE ? [] : (statements.page.all(lastSeq) as unknown[][]);
  }

  endImport();
  statements.clear.run();
  if (result.changes === 0) {
    statements.dropTransaction.run(transactionId);
    return result;
  }
  result.transactionId = transactionId;
  return result;
}

/**
 * A first import where every pending row is an insert and no entity is
 * written twice, in one INSERT ... SELECT: nothing needs looking up, so no
 * pending row needs reading into JavaScript, which was a third of the
 * refresh (docs/performance.md, round 7). Builds the by-attribute index,
 * which then tells whether an entity was written twice; if one was, all of it
 * is undone and 0 returned, for the loop to decide row by row.
 */
function importInOneStatement(db: Database, statements: FlushStatements, log: ChangeLog, hlc: Hlc, transactionId: string): number {
  if (statements.anyButInserts.get() !== undefined) return 0;
  db.exec('SAVEPOINT zv_import');
  let keep = false;
  try {
    const changes = log.insertSelected(IMPORT_ALL, [transactionId], hlc);
    db.exec(CREATE_BY_ATTRIBUTE_INDEX);
    keep = statements.repeatedAttribute.get() === undefined;
    return keep ? changes : 0;
  } finally {
    // Not in a transaction any more: SQLite rolled all of it back on an error.
    if (db.inTransaction) db.exec(keep ? 'RELEASE zv_import' : 'ROLLBACK TO zv_import; RELEASE zv_import');
  }
}

/** The `type\0id` keys of the entities inserted on this page that the log holds changes of. */
function knownEntitiesOf(log: ChangeLog, rows: unknown[][]): Set<string> {
  const idsByType = new Map<string, Set<string>>();
  for (const row of rows) {
    if (row[1] !== 'insert') continue;
    const type = row[2] as string;
    let ids = idsByType.get(type);
    if (!ids) idsByType.set(type, (ids = new Set()));
    ids.add(row[3] as string);
  }
  const known = new Set<string>();
  for (const [type, set] of idsByType) {
    const ids = [...set];
    const flags = log.knownEntities(type, ids);
    for (let i = 0; i < ids.length; i++) if (flags[i]) known.add(`${type}\0${ids[i]}`);
  }
  return known;
}
