// What a user table looks like, and whether it can be tracked (DESIGN.md 1).
// Names reaching SQL always come from the real schema and are quoted.

import type { Database } from 'better-sqlite3';
import { isEngineTable } from './schema';

export interface TableShape {
  name: string;
  primaryKey: string;
  /** Writable columns other than the primary key, in table order. */
  columns: string[];
}

export type TableInspection =
  | { ok: true; shape: TableShape }
  | { ok: false; reason: string; hint: string };

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
  hidden: number;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function listUserTables(db: Database): string[] {
  const rows = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all() as Array<{ name: string }>;
  return rows.map((row) => row.name).filter((name) => !isEngineTable(name));
}

export function tableExists(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

export function inspectTable(db: Database, name: string): TableInspection | null {
  if (!tableExists(db, name)) return null;
  if (isEngineTable(name)) {
    return { ok: false, reason: 'it belongs to SQLite or to Tidemark itself', hint: 'Track your own tables only.' };
  }
  const info = db.prepare(`PRAGMA table_xinfo(${quoteIdent(name)})`).all() as ColumnInfo[];
  const keys = info.filter((column) => column.pk > 0);
  if (keys.length === 0) {
    return {
      ok: false,
      reason: 'it has no primary key',
      hint: 'Give it a single-column primary key such as "id TEXT PRIMARY KEY" holding a UUID.',
    };
  }
  if (keys.length > 1) {
    return {
      ok: false,
      reason: `its primary key spans ${keys.length} columns (${keys.map((k) => k.name).join(', ')})`,
      hint: 'Tidemark tracks rows by one key column: add an "id TEXT PRIMARY KEY" column and keep the others UNIQUE.',
    };
  }
  const key = keys[0]!;
  if (isRowidAlias(db, name, key)) {
    return {
      ok: false,
      reason: `its key "${key.name}" is an INTEGER PRIMARY KEY that SQLite numbers automatically, so two devices would hand out the same ids`,
      hint: 'Use a TEXT primary key holding a UUID (or random id) that every device can create without asking the others.',
    };
  }
  if (/BLOB/i.test(key.type)) {
    return { ok: false, reason: `its key "${key.name}" is a BLOB`, hint: 'Use a TEXT or numeric primary key.' };
  }
  // No declared type is BLOB affinity too: 5 and '5' are two rows here, but one entity id ('5') everywhere else.
  if (key.type.trim() === '') {
    return {
      ok: false,
      reason: `its key "${key.name}" has no declared type, so 5 and '5' are different rows here but would reach other devices as the same text id`,
      hint: 'Use a TEXT or numeric primary key.',
    };
  }
  // SQLite lets the key of a rowid table be NULL (unless it is INTEGER): such a row has no entity id and could never sync.
  const nullKeys = db.prepare(`SELECT count(*) FROM ${quoteIdent(name)} WHERE ${quoteIdent(key.name)} IS NULL`).pluck().get() as number;
  if (nullKeys > 0) {
    return {
      ok: false,
      reason: `${nullKeys} row(s) have no value (NULL) in its key "${key.name}", so they could never sync`,
      hint: `Give those rows a key, e.g. UPDATE ${quoteIdent(name)} SET ${quoteIdent(key.name)} = lower(hex(randomblob(16))) WHERE ${quoteIdent(key.name)} IS NULL`,
    };
  }
  const columns = info.filter((column) => column.pk === 0 && column.hidden === 0).map((column) => column.name);
  const reserved = columns.find((column) => column === '_deleted');
  if (reserved) {
    return { ok: false, reason: 'it has a column named "_deleted", which Tidemark uses for deletions', hint: 'Rename that column.' };
  }
  return { ok: true, shape: { name, primaryKey: key.name, columns } };
}

// An INTEGER PRIMARY KEY in a rowid table is the rowid itself: SQLite fills it in.
function isRowidAlias(db: Database, table: string, key: ColumnInfo): boolean {
  if (key.type.toUpperCase() !== 'INTEGER') return false;
  const list = db.prepare(`PRAGMA index_list(${quoteIdent(table)})`).all() as Array<{ origin: string }>;
  if (list.some((index) => index.origin === 'pk')) return false; // a separate index: not an alias (e.g. DESC or WITHOUT ROWID)
  const sql = (db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table) as { sql: string }).sql;
  return !/WITHOUT\s+ROWID\s*$/i.test(sql.trim());
}
