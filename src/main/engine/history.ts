// History queries for the UI and the CLI: newest first, paged by id cursor so a
// page a million changes deep costs the same as the first one. Time bounds
// become id bounds because ids start with their millisecond.

import type { Database, Statement } from 'better-sqlite3';
import type { HistoryEntry, HistoryPage, HistoryQuery } from '../../shared/types';
import { lowestIdAt, timeOfId } from './hlc';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 10_000;

interface Row {
  id: string;
  transaction_id: string;
  author: string | null;
  entity_type: string;
  entity_id: string;
  attribute: string;
  old_value: string | null;
  new_value: string | null;
}

export function createHistory(db: Database) {
  const statements = new Map<string, Statement>();

  return function queryHistory(query: HistoryQuery): HistoryPage {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (query.table !== undefined) add('c.entity_type = ?', query.table);
    if (query.entityId !== undefined) add('c.entity_id = ?', query.entityId);
    if (query.transactionId !== undefined) add('c.transaction_id = ?', query.transactionId);
    if (query.author !== undefined) add('t.author = ?', query.author);
    if (query.since !== undefined) add('c.id >= ?', lowestIdAt(query.since));
    if (query.until !== undefined) add('c.id < ?', lowestIdAt(query.until));
    if (query.before !== undefined) add('c.id < ?', query.before);
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(query.limit ?? DEFAULT_PAGE)));

    const sql = `SELECT c.id, c.transaction_id, t.author, c.entity_type, c.entity_id, c.attribute, c.old_value, c.new_value
      FROM ZV_CHANGE c LEFT JOIN ZV_TRANSACTION t ON t.id = c.transaction_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.id DESC LIMIT ?`;
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    const rows = statement.all(...params, limit) as Row[];
    const entries = rows.map(toEntry);
    return { entries, next: entries.length === limit ? entries[entries.length - 1]!.id : null };
  };
}

function toEntry(row: Row): HistoryEntry {
  return {
    id: row.id,
    transactionId: row.transaction_id,
    author: row.author ?? '',
    entityType: row.entity_type,
    entityId: row.entity_id,
    attribute: row.attribute,
    oldValue: row.old_value,
    newValue: row.new_value,
    time: timeOfId(row.id) ?? 0,
  };
}
