// History for the app, grouped by transaction, newest first (DESIGN.md 1: a
// transaction id sorts before its own changes, and ids sort by time).
//
// The engine's history pages changes; the app lists transactions, so it pages
// ZV_TRANSACTION by id and asks, per transaction, whether any change matches
// the filters. A rare filter could make one page walk the whole log, so each
// call stops after a small time budget and says how far back it searched: the
// window never freezes and the UI simply asks again (TransactionPage.searchedTo).

import type { Database, Statement } from 'better-sqlite3';
import type { AuthorInfo, ChangeRef, HistoryFilter, TransactionPage, TransactionSummary } from '../../shared/app-types';
import type { TidemarkDatabase } from '../engine/database';
import { lowestIdAt, timeOfId } from '../engine/hlc';
import { createLabeler, type Labeler } from './row-labels';

export const DEFAULT_TRANSACTIONS_PAGE = 100;
/** Work per call before returning a partial page (keeps the main process responsive). */
export const SEARCH_BUDGET_MS = 40;
const SCAN_CHUNK = 500;

interface Queries {
  sqlite: Database;
  cache: Map<string, Statement>;
}

const queriesByDb = new WeakMap<Database, Queries>();

function prepared(sqlite: Database, sql: string): Statement {
  let q = queriesByDb.get(sqlite);
  if (!q) queriesByDb.set(sqlite, (q = { sqlite, cache: new Map() }));
  let statement = q.cache.get(sql);
  if (!statement) q.cache.set(sql, (statement = sqlite.prepare(sql)));
  return statement;
}

/** `%text%` for LIKE, with LIKE's own wildcards taken literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function queryTransactions(
  db: TidemarkDatabase,
  filter: HistoryFilter,
  before: string | undefined,
  limit = DEFAULT_TRANSACTIONS_PAGE,
  now: () => number = () => performance.now(),
): TransactionPage {
  db.refresh();
  const text = filter.text?.trim() ? filter.text.trim() : undefined;
  const upperBounds = [before, filter.until !== undefined ? lowestIdAt(filter.until) : undefined].filter((b): b is string => b !== undefined);
  const upper = upperBounds.length ? upperBounds.sort()[0] : undefined;
  const lower = filter.since !== undefined ? lowestIdAt(filter.since) : undefined;

  // Candidate transactions, newest first. '~' sorts after every id: "no upper bound".
  const where = ['id < ?'];
  const params: unknown[] = [];
  if (filter.author !== undefined) (where.push('author = ?'), params.push(filter.author));
  if (lower !== undefined) (where.push('id >= ?'), params.push(lower));
  const scan = prepared(db.sqlite, `SELECT id, author FROM ZV_TRANSACTION WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`);
  const matches = changeMatcher(db.sqlite, filter, text);
  const label = createLabeler(db);
  const found: TransactionSummary[] = [];

  if (filter.table !== undefined && filter.entityId !== undefined) {
    // A single entity has few changes: its transactions come straight from the index.
    for (const id of transactionsOfEntity(db.sqlite, filter.table, filter.entityId, upper, lower)) {
      const author = authorOf(db.sqlite, id);
      if (filter.author !== undefined && author !== filter.author) continue;
      if (matches && !matches(id, id).has(id)) continue;
      found.push(summarize(db.sqlite, id, author, label));
      if (found.length === limit) return { transactions: found, next: id, searchedTo: null };
    }
    return { transactions: found, next: null, searchedTo: null };
  }

  const started = now();
  let cursor = upper ?? '~';
  for (;;) {
    const chunk = scan.all(cursor, ...params, SCAN_CHUNK) as Array<{ id: string; author: string }>;
    const hits = matches && chunk.length ? matches(chunk[chunk.length - 1]!.id, chunk[0]!.id) : null;
    for (const row of chunk) {
      cursor = row.id;
      if (hits && !hits.has(row.id)) continue;
      found.push(summarize(db.sqlite, row.id, row.author, label));
      if (found.length === limit) return { transactions: found, next: row.id, searchedTo: null };
    }
    if (chunk.length < SCAN_CHUNK) return { transactions: found, next: null, searchedTo: null };
    if (now() - started > SEARCH_BUDGET_MS) return { transactions: found, next: cursor, searchedTo: timeOfId(cursor) };
  }
}

/**
 * The change-level filters as one query over a range of transaction ids (the
 * by-transaction index), so a chunk of 500 transactions costs one query, not
 * 500. Null when there are no change-level filters.
 */
function changeMatcher(sqlite: Database, filter: HistoryFilter, text: string | undefined): ((low: string, high: string) => Set<string>) | null {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.table !== undefined) (clauses.push('entity_type = ?'), params.push(filter.table));
  if (filter.entityId !== undefined) (clauses.push('entity_id = ?'), params.push(filter.entityId));
  if (text !== undefined) {
    const pattern = likePattern(text);
    clauses.push(
      "(entity_type LIKE ? ESCAPE '\\' OR entity_id LIKE ? ESCAPE '\\' OR attribute LIKE ? ESCAPE '\\' OR new_value LIKE ? ESCAPE '\\' OR old_value LIKE ? ESCAPE '\\')",
    );
    params.push(pattern, pattern, pattern, pattern, pattern);
  }
  if (clauses.length === 0) return null;
  const statement = prepared(
    sqlite,
    `SELECT DISTINCT transaction_id FROM ZV_CHANGE WHERE transaction_id BETWEEN ? AND ? AND ${clauses.join(' AND ')}`,
  ).pluck();
  return (low, high) => new Set(statement.all(low, high, ...params) as string[]);
}

function transactionsOfEntity(sqlite: Database, table: string, entityId: string, upper?: string, lower?: string): string[] {
  const ids = prepared(sqlite, 'SELECT DISTINCT transaction_id FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ?')
    .pluck()
    .all(table, entityId) as string[];
  return ids.filter((id) => (upper === undefined || id < upper) && (lower === undefined || id >= lower)).sort().reverse();
}

function authorOf(sqlite: Database, transactionId: string): string {
  return (prepared(sqlite, 'SELECT author FROM ZV_TRANSACTION WHERE id = ?').pluck().get(transactionId) as string | undefined) ?? '';
}

export function summarize(sqlite: Database, id: string, author: string, label: Labeler = () => null): TransactionSummary {
  const groups = prepared(
    sqlite,
    `SELECT entity_type AS t, count(*) AS n, count(DISTINCT entity_id) AS e,
       count(DISTINCT CASE WHEN attribute <> '_deleted' AND old_value IS NULL THEN entity_id END) AS c,
       count(DISTINCT CASE WHEN attribute = '_deleted' AND new_value = '1' THEN entity_id END) AS d
     FROM ZV_CHANGE WHERE transaction_id = ? GROUP BY entity_type ORDER BY entity_type`,
  ).all(id) as Array<{ t: string; n: number; e: number; c: number; d: number }>;
  const preview = prepared(
    sqlite,
    'SELECT entity_type AS entityType, entity_id AS entityId, attribute FROM ZV_CHANGE WHERE transaction_id = ? ORDER BY id LIMIT 4',
  ).all(id) as Omit<ChangeRef, 'label'>[];
  return {
    id,
    time: timeOfId(id) ?? 0,
    author,
    tables: groups.map((g) => g.t),
    changes: groups.reduce((n, g) => n + g.n, 0),
    entities: groups.reduce((n, g) => n + g.e, 0),
    created: groups.reduce((n, g) => n + g.c, 0),
    deleted: groups.reduce((n, g) => n + g.d, 0),
    preview: preview.map((p) => ({ ...p, label: label(p.entityType, p.entityId) })),
  };
}

/** Every author in the log, by a skip-scan of the (author, id) index: one seek per author. */
export function listAuthors(db: TidemarkDatabase, max = 1000): AuthorInfo[] {
  const next = prepared(db.sqlite, 'SELECT min(author) FROM ZV_TRANSACTION WHERE author > ?').pluck();
  const authors: AuthorInfo[] = [];
  // Other replicas' names arrive with their heads (ZV_REPLICA), once synced.
  const names = new Map(
    (db.sqlite.prepare("SELECT replica, name FROM ZV_REPLICA WHERE name != ''").all() as { replica: string; name: string }[]).map((r) => [r.replica, r.name]),
  );
  let last = '';
  while (authors.length < max) {
    const author = next.get(last) as string | null;
    if (author === null) break;
    authors.push({ uuid: author, isSelf: author === db.uuid, name: author === db.uuid ? db.name() : (names.get(author) ?? null) });
    last = author;
  }
  if (!authors.some((a) => a.isSelf)) authors.unshift({ uuid: db.uuid, isSelf: true, name: db.name() });
  return authors;
}
