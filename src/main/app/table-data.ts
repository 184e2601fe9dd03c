// Tables and rows for the Data and Databases screens. Table names arriving
// from the UI are checked against the real schema and quoted (STYLE.md "SQL");
// rows are paged by key (keyset), so the 100,000th page costs what the first does.
// Edits go through the engine's write API, so they are captured like any change.

import type { ColumnInfo, RowsPage, TableSummary, WriteSummary } from '../../shared/app-types';
import { TidemarkError } from '../../shared/errors';
import type { TidemarkDatabase } from '../engine/database';
import { listUserTables, quoteIdent } from '../engine/tables';
import { changesPerTable } from './change-counts';
import { decodeValue, encodeValue } from '../engine/values';

interface XInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: unknown;
  pk: number;
  hidden: number;
}

export const DEFAULT_ROWS_PAGE = 200;

export function requireTable(db: TidemarkDatabase, table: string): string {
  if (!listUserTables(db.sqlite).includes(table)) {
    throw new TidemarkError({ kind: 'table-missing', table, hint: 'The table may have been dropped or renamed; reload the list.' });
  }
  return table;
}

export function describeColumns(db: TidemarkDatabase, table: string): ColumnInfo[] {
  const info = db.sqlite.prepare(`PRAGMA table_xinfo(${quoteIdent(table)})`).all() as XInfo[];
  return info
    .filter((c) => c.hidden === 0)
    .map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1, primaryKey: c.pk > 0, hasDefault: c.dflt_value !== null }));
}

export function listTables(db: TidemarkDatabase): TableSummary[] {
  db.refresh(); // captures from other programs count too
  const changes = changesPerTable(db.sqlite);
  return db.tables().map((info) => {
    const columns = describeColumns(db, info.name);
    const keys = columns.filter((c) => c.primaryKey);
    return {
      name: info.name,
      tracked: info.tracked,
      untrackableReason: info.untrackableReason ?? null,
      hint: info.hint ?? null,
      primaryKey: keys.length === 1 ? keys[0]!.name : null,
      columns,
      rows: countRows(db, info.name),
      changes: changes.get(info.name) ?? 0,
    };
  });
}

function countRows(db: TidemarkDatabase, table: string): number {
  return db.sqlite.prepare(`SELECT count(*) FROM ${quoteIdent(table)}`).pluck().get() as number;
}

/** The column rows are ordered and paged by: the single key column, else SQLite's rowid. */
function keyExpression(db: TidemarkDatabase, table: string, columns: ColumnInfo[]): string | null {
  const keys = columns.filter((c) => c.primaryKey);
  if (keys.length === 1) return quoteIdent(keys[0]!.name);
  const sql = db.sqlite.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(table) as string;
  return /WITHOUT\s+ROWID\s*$/i.test(sql.trim()) ? null : 'rowid';
}

export function pageRows(db: TidemarkDatabase, table: string, after: string | undefined, limit = DEFAULT_ROWS_PAGE): RowsPage {
  db.refresh(); // captures from other programs become changes before we show rows
  requireTable(db, table);
  const columns = describeColumns(db, table);
  const key = keyExpression(db, table, columns);
  const editable = db.trackedShapes().some((s) => s.name === table);
  const selected = columns.map((c) => quoteIdent(c.name)).join(', ');
  const quoted = quoteIdent(table);
  let rows: Array<Record<string, unknown>>;
  if (key === null) {
    // A composite key without rowid: show the first page, unpaged.
    rows = db.sqlite.prepare(`SELECT NULL AS zv_key, '' AS zv_id, ${selected} FROM ${quoted} LIMIT ?`).safeIntegers(true).all(limit) as typeof rows;
  } else {
    const where = after === undefined ? '' : `WHERE ${key} > ?`;
    const sql = `SELECT ${key} AS zv_key, CAST(${key} AS TEXT) AS zv_id, ${selected} FROM ${quoted} ${where} ORDER BY ${key} LIMIT ?`;
    const params = after === undefined ? [limit] : [toKeyParam(after), limit];
    rows = db.sqlite.prepare(sql).safeIntegers(true).all(...params) as typeof rows;
  }
  const last = rows[rows.length - 1];
  return {
    table,
    columns,
    editable,
    rows: rows.map((row) => ({ id: String(row.zv_id ?? ''), cells: columns.map((c) => encodeValue(row[c.name])) })),
    next: key !== null && rows.length === limit && last ? encodeValue(last.zv_key) : null,
    total: after === undefined ? countRows(db, table) : null,
  };
}

function toKeyParam(cursor: string): unknown {
  try {
    return decodeValue(cursor);
  } catch {
    throw new TidemarkError({ kind: 'invalid-input', field: 'after', message: 'not a row cursor', hint: 'Reload the table.' });
  }
}

function requireTracked(db: TidemarkDatabase, table: string): void {
  requireTable(db, table);
  if (!db.trackedShapes().some((s) => s.name === table)) {
    throw new TidemarkError({ kind: 'table-not-tracked', table, hint: 'Track the table on the Tables tab first: every edit in the app is recorded as a change.' });
  }
}

export function putRow(db: TidemarkDatabase, table: string, id: string, values: Record<string, unknown>): WriteSummary {
  requireTracked(db, table);
  const result = db.write([{ op: 'put', table, id, values }]);
  return { transactionId: result.transactionId, changes: result.changes };
}

export function deleteRows(db: TidemarkDatabase, table: string, ids: readonly string[]): WriteSummary {
  requireTracked(db, table);
  const result = db.write(ids.map((id) => ({ op: 'delete' as const, table, id })));
  return { transactionId: result.transactionId, changes: result.changes };
}
