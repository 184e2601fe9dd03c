// Our own changes as push reads them: by author, in id order, after a point.

import type { Change } from '../../../shared/types';
import type { TidemarkDatabase } from '../database';

// Own transactions come from the (author, id) index; a transaction split
// over two batches started before `after`, hence `t.id >= tx of after`.
const ownChangesSql = (from: '>' | '>=') => `SELECT c.id, c.transaction_id AS transactionId, t.author, c.entity_type AS entityType, c.entity_id AS entityId,
    c.attribute, c.old_value AS oldValue, c.new_value AS newValue
  FROM ZV_TRANSACTION t CROSS JOIN ZV_CHANGE c ON c.transaction_id = t.id
  WHERE t.author = @author AND t.id >= @fromTransaction AND c.id ${from} @after AND c.id <= @upTo
  ORDER BY c.id LIMIT @limit`;

function fromTransaction(db: TidemarkDatabase, after: string | null): string {
  if (after === null) return '';
  return (db.sqlite.prepare('SELECT transaction_id FROM ZV_CHANGE WHERE id = ?').pluck().get(after) as string | undefined) ?? '';
}

export function readOwnChanges(db: TidemarkDatabase, after: string | null, upTo: string | null, limit: number): Change[] {
  return db.sqlite.prepare(ownChangesSql('>')).all({
    author: db.uuid,
    fromTransaction: fromTransaction(db, after),
    after: after ?? '',
    upTo: upTo ?? '\uffff',
    limit,
  }) as Change[];
}

/** The changes of one batch we pushed, `first` to `last`, to build its file again. */
export function readOwnBatchChanges(db: TidemarkDatabase, first: string, last: string, limit: number): Change[] {
  return db.sqlite.prepare(ownChangesSql('>=')).all({ author: db.uuid, fromTransaction: fromTransaction(db, first), after: first, upTo: last, limit }) as Change[];
}

export function countOwnAfter(db: TidemarkDatabase, after: string | null): number {
  return db.sqlite
    .prepare(
      `SELECT count(*) FROM ZV_TRANSACTION t CROSS JOIN ZV_CHANGE c ON c.transaction_id = t.id
       WHERE t.author = ? AND t.id >= ? AND c.id > ?`,
    )
    .pluck()
    .get(db.uuid, fromTransaction(db, after), after ?? '') as number;
}

export function countOwnUpTo(db: TidemarkDatabase, upTo: string): number {
  return db.sqlite
    .prepare('SELECT count(*) FROM ZV_TRANSACTION t CROSS JOIN ZV_CHANGE c ON c.transaction_id = t.id WHERE t.author = ? AND c.id <= ?')
    .pluck()
    .get(db.uuid, upTo) as number;
}
