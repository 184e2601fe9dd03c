// Real parts for engine tests: SQLite files in a temp dir, a second
// better-sqlite3 connection that plays the `sqlite3` shell (it never loads the
// engine), and typed dumps that tell 1 from 1.0 from '1' from X'01'.

import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { openDatabase, type OpenOptions, type TidemarkDatabase } from '../../src/main/engine/database';
import type { Change } from '../../src/shared/types';

export interface Workspace {
  dir: string;
  file(name: string): string;
  /** Opens (creating) an engine database; closed by cleanup(). */
  open(name: string, options?: OpenOptions): TidemarkDatabase;
  /** A plain connection to the file, like the sqlite3 shell; closed by cleanup(). */
  shell(name: string): Database;
  cleanup(): void;
}

/** RAM-backed /dev/shm where there is one: hundreds of small databases without waiting on a busy disk. */
export const TEMP_ROOT = (() => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
})();

export function createWorkspace(prefix = 'tidemark-test-'): Workspace {
  const dir = mkdtempSync(join(TEMP_ROOT, prefix));
  const closers: Array<() => void> = [];
  const file = (name: string) => join(dir, name);
  return {
    dir,
    file,
    open(name, options = {}) {
      const db = openDatabase(file(name), { create: true, ...options });
      closers.push(() => {
        if (db.sqlite.open) db.close();
      });
      return db;
    },
    shell(name) {
      const connection = new BetterSqlite3(file(name));
      connection.pragma('busy_timeout = 5000');
      closers.push(() => {
        if (connection.open) connection.close();
      });
      return connection;
    },
    cleanup() {
      for (const close of closers.reverse()) close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One SQLite value as text that keeps its storage class: i:1, r:1, t:"1", b:01, null. */
export function typed(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return `i:${value}`;
  if (typeof value === 'number') return `r:${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'string') return `t:${JSON.stringify(value)}`;
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString('hex')}`;
  throw new TypeError(`unexpected SQLite value ${String(value)}`);
}

export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Every row of a table, ordered by `orderBy`, with typed values. */
export function dumpTable(db: Database, table: string, orderBy: string): Array<Record<string, string>> {
  const rows = db
    .prepare(`SELECT * FROM ${quoteName(table)} ORDER BY ${quoteName(orderBy)}`)
    .safeIntegers(true)
    .all() as Array<Record<string, unknown>>;
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typed(v)])));
}

/** Every user-visible row of every table (engine tables included) plus the schema. */
export function dumpDatabase(db: Database): Record<string, unknown> {
  const schema = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all() as Array<{
    type: string;
    name: string;
  }>;
  const out: Record<string, unknown> = { schema };
  for (const { type, name } of schema) {
    if (type !== 'table') continue;
    const rows = db.prepare(`SELECT * FROM ${quoteName(name)}`).safeIntegers(true).raw(true).all() as unknown[][];
    out[name] = rows.map((row) => row.map(typed)).sort();
  }
  return out;
}

/** The change log with authors, in id order, as applyChanges takes it. */
export function readChanges(db: Database): Change[] {
  return db
    .prepare(
      `SELECT c.id, c.transaction_id AS transactionId, t.author, c.entity_type AS entityType, c.entity_id AS entityId,
              c.attribute, c.old_value AS oldValue, c.new_value AS newValue
       FROM ZV_CHANGE c JOIN ZV_TRANSACTION t ON t.id = c.transaction_id ORDER BY c.id`,
    )
    .all() as Change[];
}

export function countRows(db: Database, table: string): number {
  return db.prepare(`SELECT count(*) FROM ${quoteName(table)}`).pluck().get() as number;
}

export function triggerNames(db: Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").pluck().all() as string[]);
}

export const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
