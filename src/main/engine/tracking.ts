// Which tables are tracked, and what tracking one does (DESIGN.md section 1):
// validate it, install capture triggers, write rows the log already holds
// (changes that arrived before the table existed here), and record the rows
// that differ from the log as this replica's changes.

import type { Database } from 'better-sqlite3';
import { TidemarkError } from '../../shared/errors';
import type { ChangeLog } from './change-log';
import type { Hlc } from './hlc';
import type { Materializer } from './materialize';
import { inspectTable, quoteIdent, quoteLiteral, type TableShape } from './tables';
import { BY_ATTRIBUTE_INDEX, CREATE_BY_ATTRIBUTE_INDEX } from './schema';
import { installTriggers } from './triggers';
import { encodeValue } from './values';

const TRACK_PAGE = 1000;

export function readTrackedShapes(db: Database): Map<string, TableShape> {
  const rows = db.prepare('SELECT table_name, primary_key, columns FROM ZV_TRACKED').all() as Array<{
    table_name: string;
    primary_key: string;
    columns: string;
  }>;
  return new Map(rows.map((r) => [r.table_name, { name: r.table_name, primaryKey: r.primary_key, columns: JSON.parse(r.columns) as string[] }]));
}

function saveShape(db: Database, shape: TableShape, now: number): void {
  db.prepare(
    `INSERT INTO ZV_TRACKED (table_name, primary_key, columns, tracked_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(table_name) DO UPDATE SET primary_key = excluded.primary_key, columns = excluded.columns`,
  ).run(shape.name, shape.primaryKey, JSON.stringify(shape.columns), new Date(now).toISOString());
}

/** Validates a table for tracking, throwing the error a person can act on. */
export function requireTrackable(db: Database, table: string): TableShape {
  const inspection = inspectTable(db, table);
  if (inspection === null) {
    throw new TidemarkError({ kind: 'table-missing', table, hint: 'Check the name: `tidemark status <db>` lists the tables.' });
  }
  if (!inspection.ok) throw new TidemarkError({ kind: 'table-untrackable', table, reason: inspection.reason, hint: inspection.hint });
  return inspection.shape;
}

export interface TrackContext {
  db: Database;
  log: ChangeLog;
  hlc: Hlc;
  author: string;
  materializer: Materializer;
  shapes: Map<string, TableShape>;
}

/** Starts tracking one table; the caller provides the transaction. Returns the changes recorded. */
export function trackTable(ctx: TrackContext, shape: TableShape): number {
  const { db, log, hlc } = ctx;
  saveShape(db, shape, hlc.lastMs());
  installTriggers(db, shape);
  ctx.shapes.set(shape.name, shape);
  ctx.materializer.reset();

  // Rows the log already knows win over the local copy only where the log has
  // a value; everything else in the table becomes a change of ours.
  const logged = db.prepare('SELECT DISTINCT entity_id FROM ZV_CHANGE WHERE entity_type = ?').pluck().all(shape.name) as string[];
  if (logged.length === 0) return recordEveryRow(ctx, shape);
  for (const id of logged) ctx.materializer.materialize(shape.name, id);

  let transactionId: string | null = null;
  let recorded = 0;
  const loggedSet = new Set(logged);
  for (const row of pagedRows(db, shape)) {
    const id = row.zv_entity_id as string;
    const known = loggedSet.has(id);
    const attributes = shape.columns.length === 0 ? ['_deleted'] : shape.columns;
    for (const column of attributes) {
      const newValue = column === '_deleted' ? '0' : encodeValue(row[column]);
      const oldValue = known ? log.latest(shape.name, id, column) ?? null : null;
      if (known && oldValue === newValue) continue;
      if (transactionId === null) {
        transactionId = hlc.next();
        log.insertTransaction(transactionId, ctx.author);
      }
      log.insertChange({ id: hlc.next(), transactionId, entityType: shape.name, entityId: id, attribute: column, oldValue, newValue });
      recorded += 1;
    }
  }
  return recorded;
}

/**
 * A table the log holds nothing of: every row becomes changes of ours with old
 * value null, in the order trackTable's loop takes (key, then column), by one
 * INSERT ... SELECT. Adopting a database with a table of 250,000 rows took
 * 14.8 s row by row; nothing is read into JavaScript here. When the log is
 * empty, the by-attribute index is built after, by a sort, as in capture.ts.
 */
function recordEveryRow(ctx: TrackContext, shape: TableShape): number {
  const { db, log, hlc } = ctx;
  const table = quoteIdent(shape.name);
  const key = quoteIdent(shape.primaryKey);
  if (db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() === undefined) return 0;
  const logEmpty = log.isEmpty();
  const transactionId = hlc.next();
  log.insertTransaction(transactionId, ctx.author);
  // A table whose only column is its key: its one attribute is _deleted, 0.
  const attributes = shape.columns.length === 0 ? ['_deleted'] : shape.columns;
  const value =
    shape.columns.length === 0 ? "'0'" : `CASE c.column1 ${shape.columns.map((column, i) => `WHEN ${i} THEN zv_encode_value(t.${quoteIdent(column)})`).join(' ')} END`;
  const columns = `VALUES ${attributes.map((attribute, i) => `(${i}, ${quoteLiteral(attribute)})`).join(', ')}`;
  if (logEmpty) db.exec(`DROP INDEX IF EXISTS ${BY_ATTRIBUTE_INDEX}`);
  // CROSS JOIN keeps the table as the outer loop, read in key order.
  const recorded = log.insertSelected(
    `SELECT zv_next_change_id(), ?, ?, CAST(t.${key} AS TEXT), c.column2, NULL, ${value}
     FROM ${table} AS t CROSS JOIN (${columns}) AS c ORDER BY t.${key}, c.column1`,
    [transactionId, shape.name],
    hlc,
  );
  if (logEmpty) db.exec(CREATE_BY_ATTRIBUTE_INDEX);
  return recorded;
}

// better-sqlite3 cannot write while a cursor is open: read the table in key-ordered pages.
function* pagedRows(db: Database, shape: TableShape): Generator<Record<string, unknown>> {
  const key = quoteIdent(shape.primaryKey);
  const table = quoteIdent(shape.name);
  const firstPage = db.prepare(`SELECT ${key} AS zv_key, CAST(${key} AS TEXT) AS zv_entity_id, * FROM ${table} ORDER BY ${key} LIMIT ${TRACK_PAGE}`).safeIntegers(true);
  const nextPage = db.prepare(`SELECT ${key} AS zv_key, CAST(${key} AS TEXT) AS zv_entity_id, * FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT ${TRACK_PAGE}`).safeIntegers(true);
  let page = firstPage.all() as Array<Record<string, unknown>>;
  while (page.length > 0) {
    yield* page;
    if (page.length < TRACK_PAGE) return;
    page = nextPage.all(page[page.length - 1]!.zv_key) as Array<Record<string, unknown>>;
  }
}

/**
 * Values in columns added after tracking (ALTER TABLE ... ADD COLUMN with a
 * default, or written before the triggers knew the column) become changes of
 * ours, as tracking does for a whole table; where the log already holds a
 * value for the column, the log wins. A NULL in a column whose default is
 * NULL is what the column holds on every replica: not recorded.
 */
function recordAddedColumns(ctx: TrackContext, shape: TableShape, added: string[]): void {
  const info = ctx.db.prepare(`PRAGMA table_xinfo(${quoteIdent(shape.name)})`).all() as Array<{ name: string; dflt_value: string | null }>;
  const nullByDefault = new Set(info.filter((c) => c.dflt_value === null || /^\s*null\s*$/i.test(c.dflt_value)).map((c) => c.name));
  let transactionId: string | null = null;
  for (const row of pagedRows(ctx.db, shape)) {
    const id = row.zv_entity_id as string;
    for (const column of added) {
      if (row[column] === null && nullByDefault.has(column)) continue;
      if (ctx.log.latest(shape.name, id, column) !== undefined) continue;
      if (transactionId === null) {
        transactionId = ctx.hlc.next();
        ctx.log.insertTransaction(transactionId, ctx.author);
      }
      ctx.log.insertChange({ id: ctx.hlc.next(), transactionId, entityType: shape.name, entityId: id, attribute: column, oldValue: null, newValue: encodeValue(row[column]) });
    }
  }
}

/** Re-reads tracked tables' columns: a column added with ALTER TABLE gets captured and filled from the log. */
export function refreshShapes(ctx: TrackContext): void {
  for (const [name, saved] of ctx.shapes) {
    const inspection = inspectTable(ctx.db, name);
    if (!inspection || !inspection.ok) continue; // dropped or reshaped beyond use: its changes wait in the log
    const current = inspection.shape;
    if (current.primaryKey === saved.primaryKey && current.columns.join('\0') === saved.columns.join('\0')) continue;
    saveShape(ctx.db, current, ctx.hlc.lastMs());
    installTriggers(ctx.db, current);
    ctx.shapes.set(name, current);
    ctx.materializer.reset();
    const added = current.columns.filter((c) => !saved.columns.includes(c));
    if (added.length === 0) continue;
    const ids = ctx.db
      .prepare(`SELECT DISTINCT entity_id FROM ZV_CHANGE WHERE entity_type = ? AND attribute IN (${added.map(() => '?').join(', ')})`)
      .pluck()
      .all(name, ...added) as string[];
    for (const id of ids) ctx.materializer.materialize(name, id);
    recordAddedColumns(ctx, current, added);
  }
}
