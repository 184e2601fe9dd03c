// "New table" in the app: a fresh database is not a dead end. The key is TEXT
// (a UUID the UI fills in), because auto-numbered keys collide across devices
// (DESIGN.md 1). Names are validated by the contract and quoted here.

import type { TableSummary } from '../../shared/app-types';
import { TidemarkError } from '../../shared/errors';
import type { TidemarkDatabase } from '../engine/database';
import { listUserTables, quoteIdent } from '../engine/tables';
import { listTables } from './table-data';

export interface NewTable {
  name: string;
  key?: string;
  columns: { name: string; type: 'TEXT' | 'INTEGER' | 'REAL' | 'NUMERIC' | 'BLOB'; notNull?: boolean }[];
}

export function createTable(db: TidemarkDatabase, table: NewTable): void {
  const key = table.key ?? 'id';
  const lower = (n: string) => n.toLowerCase();
  if (listUserTables(db.sqlite).some((t) => lower(t) === lower(table.name))) {
    throw new TidemarkError({ kind: 'invalid-input', field: 'name', message: `a table named "${table.name}" already exists`, hint: 'Choose another name.' });
  }
  const names = [key, ...table.columns.map((c) => c.name)].map(lower);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new TidemarkError({ kind: 'invalid-input', field: 'columns', message: `the column "${duplicate}" appears twice`, hint: 'Give every column its own name.' });
  if (names.includes('_deleted')) throw new TidemarkError({ kind: 'invalid-input', field: 'columns', message: '"_deleted" is reserved for deletions', hint: 'Rename that column.' });
  const columns = table.columns.map((c) => `${quoteIdent(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}`);
  db.sqlite.exec(`CREATE TABLE ${quoteIdent(table.name)} (${[`${quoteIdent(key)} TEXT PRIMARY KEY NOT NULL`, ...columns].join(', ')})`);
}

export function summaryOf(db: TidemarkDatabase, name: string): TableSummary {
  return listTables(db).find((t) => t.name === name)!;
}
