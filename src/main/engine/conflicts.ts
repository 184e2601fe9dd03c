// The concurrent-edit inbox (DESIGN.md 2). While remote changes are merged,
// one whose old_value differs from what this replica held for the attribute,
// from an author other than the one who wrote the held value, is recorded.
// Last writer still wins; the person sees both values and may choose.

import type { Database } from 'better-sqlite3';
import { TidemarkError } from '../../shared/errors';
import type { Change, ConflictInfo, WriteOp } from '../../shared/types';
import type { TidemarkDatabase } from './database';
import { timeOfId } from './hlc';
import { decodeValue } from './values';

export interface ConflictDetector {
  /** Call right after a new change was inserted into the log. */
  check(change: Change): void;
}

export function createConflictDetector(db: Database): ConflictDetector {
  const held = db
    .prepare(
      `SELECT c.id, c.new_value, t.author FROM ZV_CHANGE c JOIN ZV_TRANSACTION t ON t.id = c.transaction_id
       WHERE c.entity_type = ? AND c.entity_id = ? AND c.attribute = ? AND c.id != ? ORDER BY c.id DESC LIMIT 1`,
    )
    .raw(true);
  const record = db.prepare(
    `INSERT OR IGNORE INTO ZV_CONFLICT (entity_type, entity_id, attribute, held_change, held_value, held_author, incoming_change, incoming_value, incoming_author)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    check(change) {
      // What we held before this change arrived: the newest other change of the attribute.
      const row = held.get(change.entityType, change.entityId, change.attribute, change.id) as [string, string | null, string] | undefined;
      if (!row) return;
      const [heldId, heldValue, heldAuthor] = row;
      if (heldAuthor === change.author) return;
      if (change.oldValue === heldValue || change.newValue === heldValue) return; // it had seen our value, or agrees with it
      record.run(change.entityType, change.entityId, change.attribute, heldId, heldValue, heldAuthor, change.id, change.newValue, change.author);
    },
  };
}

interface ConflictRow {
  id: number;
  entity_type: string;
  entity_id: string;
  attribute: string;
  held_change: string;
  held_value: string | null;
  held_author: string;
  incoming_change: string;
  incoming_value: string | null;
  incoming_author: string;
  resolved_by: string | null;
}

export function listConflicts(db: Database, options: { all?: boolean } = {}): ConflictInfo[] {
  const rows = db
    .prepare(`SELECT * FROM ZV_CONFLICT ${options.all ? '' : 'WHERE resolved_by IS NULL'} ORDER BY id DESC`)
    .all() as ConflictRow[];
  return rows.map((r) => ({
    id: r.id,
    table: r.entity_type,
    entityId: r.entity_id,
    attribute: r.attribute,
    mine: { change: r.held_change, value: r.held_value, author: r.held_author, time: timeOfId(r.held_change) ?? 0 },
    theirs: { change: r.incoming_change, value: r.incoming_value, author: r.incoming_author, time: timeOfId(r.incoming_change) ?? 0 },
    winner: r.incoming_change > r.held_change ? 'theirs' : 'mine',
    resolvedBy: r.resolved_by,
  }));
}

export function countOpenConflicts(db: Database): number {
  return db.prepare('SELECT count(*) FROM ZV_CONFLICT WHERE resolved_by IS NULL').pluck().get() as number;
}

/** The write that settles a conflict: the chosen value, as a new change. */
export function resolutionWrite(db: Database, id: number, keep: string): { op: WriteOp; conflict: ConflictInfo } {
  const conflict = listConflicts(db, { all: true }).find((c) => c.id === id);
  if (!conflict) {
    throw new TidemarkError({ kind: 'invalid-input', field: 'conflict', message: `no conflict #${id}`, hint: 'List them with `tidemark conflicts <db>`.' });
  }
  let json: string | null;
  if (keep === 'mine') json = conflict.mine.value;
  else if (keep === 'theirs') json = conflict.theirs.value;
  else {
    try {
      JSON.parse(keep);
      json = keep;
    } catch {
      throw new TidemarkError({ kind: 'invalid-input', field: '--keep', message: `"${keep}" is neither mine, theirs nor a JSON value`, hint: 'Examples: --keep mine, --keep theirs, --keep \'"new text"\', --keep 42' });
    }
  }
  const op: WriteOp =
    conflict.attribute === '_deleted'
      ? json === '1'
        ? { op: 'delete', table: conflict.table, id: conflict.entityId }
        : { op: 'put', table: conflict.table, id: conflict.entityId, values: {} }
      : { op: 'put', table: conflict.table, id: conflict.entityId, values: { [conflict.attribute]: decodeValue(json) } };
  return { op, conflict };
}

export function markResolved(db: Database, id: number, by: string): void {
  db.prepare('UPDATE ZV_CONFLICT SET resolved_by = ? WHERE id = ?').run(by, id);
}

/** Settles a conflict with the chosen value, written as a new change of this replica. */
export function resolveConflict(db: TidemarkDatabase, id: number, keep: string): { transactionId: string | null; conflict: ConflictInfo } {
  return db.transaction(() => {
    const { op, conflict } = resolutionWrite(db.sqlite, id, keep);
    const written = db.write([op]);
    markResolved(db.sqlite, id, written.transactionId ?? 'unchanged');
    return { transactionId: written.transactionId, conflict };
  });
}
