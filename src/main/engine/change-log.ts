// Prepared statements over ZV_TRANSACTION / ZV_CHANGE, made once per connection.

import type { Database, Statement } from 'better-sqlite3';
import type { Change } from '../../shared/types';

export interface LatestValue {
  attribute: string;
  value: string | null;
}

export interface ChangeLog {
  insertTransaction(id: string, author: string): boolean;
  /** Inserts a change unless its id is known; true when it was new. */
  insertChange(change: Omit<Change, 'author'>): boolean;
  /** The newest value of one attribute, or undefined when it was never set. */
  latest(entityType: string, entityId: string, attribute: string): string | null | undefined;
  /** The newest value of every attribute of one entity. */
  latestOfEntity(entityType: string, entityId: string): LatestValue[];
  hasEntity(entityType: string, entityId: string): boolean;
  maxId(): string | null;
  authorOf(transactionId: string): string | undefined;
}

export function createChangeLog(db: Database): ChangeLog {
  const insertTransaction = db.prepare('INSERT OR IGNORE INTO ZV_TRANSACTION (id, author) VALUES (?, ?)');
  const insertChange = db.prepare(
    `INSERT OR IGNORE INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, new_value)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const latest = db
    .prepare(
      `SELECT new_value FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ? AND attribute = ?
       ORDER BY id DESC LIMIT 1`,
    )
    .raw(true);
  // SQLite returns the bare column from the row that holds max(id).
  const latestOfEntity = db.prepare(
    `SELECT attribute, new_value AS value, max(id) AS id FROM ZV_CHANGE
     WHERE entity_type = ? AND entity_id = ? GROUP BY attribute`,
  ) as Statement<[string, string], LatestValue>;
  const hasEntity = db.prepare('SELECT 1 FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ? LIMIT 1').pluck();
  const maxChange = db.prepare('SELECT max(id) FROM ZV_CHANGE').pluck();
  const maxTransaction = db.prepare('SELECT max(id) FROM ZV_TRANSACTION').pluck();
  const authorOf = db.prepare('SELECT author FROM ZV_TRANSACTION WHERE id = ?').pluck();

  return {
    insertTransaction: (id, author) => insertTransaction.run(id, author).changes === 1,
    insertChange: (c) =>
      insertChange.run(c.id, c.transactionId, c.entityType, c.entityId, c.attribute, c.oldValue, c.newValue).changes === 1,
    latest: (entityType, entityId, attribute) => {
      const row = latest.get(entityType, entityId, attribute) as [string | null] | undefined;
      return row === undefined ? undefined : row[0];
    },
    latestOfEntity: (entityType, entityId) => latestOfEntity.all(entityType, entityId),
    hasEntity: (entityType, entityId) => hasEntity.get(entityType, entityId) !== undefined,
    maxId: () => {
      const a = maxChange.get() as string | null;
      const b = maxTransaction.get() as string | null;
      if (a === null) return b;
      if (b === null) return a;
      return a > b ? a : b;
    },
    authorOf: (id) => authorOf.get(id) as string | undefined,
  };
}
