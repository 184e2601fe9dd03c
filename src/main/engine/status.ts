// Counts for `tidemark status` and the app: one pass over the change log's
// (entity_type, attribute) index, so it stays quick on millions of changes.

import type { Database } from 'better-sqlite3';
import type { TrackedTableStatus } from '../../shared/types';
import { quoteIdent, type TableShape } from './tables';
import { countOpenConflicts } from './conflicts';

export function countChanges(db: Database, shapes: Map<string, TableShape>) {
  const groups = db
    .prepare('SELECT entity_type, attribute, count(*) AS n FROM ZV_CHANGE GROUP BY entity_type, attribute')
    .all() as Array<{ entity_type: string; attribute: string; n: number }>;
  const perTable = new Map<string, number>();
  let changes = 0;
  let waiting = 0;
  for (const group of groups) {
    changes += group.n;
    perTable.set(group.entity_type, (perTable.get(group.entity_type) ?? 0) + group.n);
    const shape = shapes.get(group.entity_type);
    const lands = shape && (group.attribute === '_deleted' || shape.columns.includes(group.attribute));
    if (!lands) waiting += group.n;
  }
  const tracked: TrackedTableStatus[] = [...shapes.values()].map((shape) => ({
    table: shape.name,
    primaryKey: shape.primaryKey,
    rows: countRows(db, shape.name),
    changes: perTable.get(shape.name) ?? 0,
  }));
  const transactions = (db.prepare('SELECT count(*) FROM ZV_TRANSACTION').pluck().get() as number) ?? 0;
  const authors = (db.prepare('SELECT count(DISTINCT author) FROM ZV_TRANSACTION').pluck().get() as number) ?? 0;
  return { tracked, changes, transactions, authors, waiting, conflicts: countOpenConflicts(db) };
}

function countRows(db: Database, table: string): number {
  try {
    return db.prepare(`SELECT count(*) FROM ${quoteIdent(table)}`).pluck().get() as number;
  } catch {
    return 0; // the table was dropped after it was tracked
  }
}
