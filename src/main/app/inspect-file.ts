// What is at a path the person typed, before the app touches it: so the Open
// form can say "this is a plain SQLite file; adopting adds Tidemark's tables"
// instead of adopting silently. Read-only: never creates or changes the file.

import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { FileInspection } from '../../shared/app-types';
import { isEngineTable } from '../engine/schema';

const SQLITE_MAGIC = 'SQLite format 3\0';

export function inspectFile(path: string, known: boolean): FileInspection {
  if (!existsSync(path)) return { path, kind: 'missing', tables: [], known };
  if (statSync(path).isDirectory()) return { path, kind: 'folder', tables: [], known };
  if (statSync(path).size > 0 && !hasSqliteHeader(path)) return { path, kind: 'not-sqlite', tables: [], known };
  let connection: BetterSqlite3.Database | undefined;
  try {
    connection = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const names = (connection.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]);
    const tables = names.filter((n) => !isEngineTable(n));
    return { path, kind: names.includes('ZV_METADATA') ? 'tidemark' : 'sqlite', tables, known };
  } catch {
    return { path, kind: 'not-sqlite', tables: [], known };
  } finally {
    connection?.close();
  }
}

function hasSqliteHeader(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.toString('latin1') === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}
