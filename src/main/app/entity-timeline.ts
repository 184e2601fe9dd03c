// One entity's changes, newest first. The engine's general history query lets
// SQLite walk the whole table's changes in id order to find one entity's
// (seconds on a million-change log); here the (entity_type, entity_id, ...)
// index is named, so it costs a lookup plus a sort of that entity's changes.

import type { EntityTimeline } from '../../shared/app-types';
import type { HistoryEntry } from '../../shared/types';
import type { TidemarkDatabase } from '../engine/database';
import { timeOfId } from '../engine/hlc';
import { createLabeler } from './row-labels';

interface Row {
  id: string;
  transaction_id: string;
  author: string | null;
  attribute: string;
  old_value: string | null;
  new_value: string | null;
}

export function entityTimeline(db: TidemarkDatabase, table: string, entityId: string, before: string | undefined, limit = 500): EntityTimeline {
  db.refresh();
  const rows = queryEntity(db, table, entityId, before ?? '~', limit);
  const entries: HistoryEntry[] = rows.map((r) => ({
    id: r.id,
    transactionId: r.transaction_id,
    author: r.author ?? '',
    entityType: table,
    entityId,
    attribute: r.attribute,
    oldValue: r.old_value,
    newValue: r.new_value,
    time: timeOfId(r.id) ?? 0,
  }));
  const current = db.log.latestOfEntity(table, entityId).filter((v) => v.attribute !== '_deleted');
  return {
    table,
    entityId,
    label: createLabeler(db)(table, entityId),
    exists: db.log.hasEntity(table, entityId) && db.log.latest(table, entityId, '_deleted') !== '1',
    current: current.map(({ attribute, value }) => ({ attribute, value })),
    entries,
    next: entries.length === limit ? entries[entries.length - 1]!.id : null,
  };
}

function queryEntity(db: TidemarkDatabase, table: string, entityId: string, before: string, limit: number): Row[] {
  const sql = (hint: string) => `SELECT c.id, c.transaction_id, t.author, c.attribute, c.old_value, c.new_value
    FROM ZV_CHANGE c ${hint} LEFT JOIN ZV_TRANSACTION t ON t.id = c.transaction_id
    WHERE c.entity_type = ? AND c.entity_id = ? AND c.id < ? ORDER BY c.id DESC LIMIT ?`;
  try {
    return db.sqlite.prepare(sql('INDEXED BY ZV_CHANGE_by_attribute')).all(table, entityId, before, limit) as Row[];
  } catch {
    // The engine renamed its index: same answer, the planner's way.
    return db.sqlite.prepare(sql('')).all(table, entityId, before, limit) as Row[];
  }
}
