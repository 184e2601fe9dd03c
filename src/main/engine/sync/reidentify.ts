// A database file copied to another device shares its identity with the
// original (DESIGN.md 4.5). `reidentify` gives the copy an identity of its own:
// what it had pushed stays the original's, and the changes it made since are
// re-stamped as the new replica's, so both devices can sync without clashing.

import { META, writeMeta } from '../schema';
import type { TidemarkDatabase } from '../database';
import { readOwnChanges } from './own-changes';
import { emptyPushState, readPushState, writePushIntent, writePushState } from './sync-state';

export interface ReidentifyResult {
  previous: string;
  replica: string;
  /** Changes made on this copy since its last push, now authored by the new identity. */
  restamped: number;
}

/** Must be followed by reopening the database: its uuid changes. */
export function reidentify(db: TidemarkDatabase): ReidentifyResult {
  const previous = db.uuid;
  const replica = db.hlc.next();
  let restamped = 0;
  db.transaction(() => {
    const pushed = readPushState(db.sqlite);
    const unpushed = readOwnChanges(db, pushed.last, null, Number.MAX_SAFE_INTEGER);
    const transactions = new Map<string, string>();
    const insertTransaction = db.sqlite.prepare('INSERT INTO ZV_TRANSACTION (id, author) VALUES (?, ?)');
    const restamp = db.sqlite.prepare('UPDATE ZV_CHANGE SET id = ?, transaction_id = ? WHERE id = ?');
    for (const change of unpushed) {
      let transaction = transactions.get(change.transactionId);
      if (!transaction) {
        transaction = db.hlc.next();
        transactions.set(change.transactionId, transaction);
        insertTransaction.run(transaction, replica);
      }
      restamp.run(db.hlc.next(), transaction, change.id);
      restamped += 1;
    }
    db.sqlite.prepare('DELETE FROM ZV_TRANSACTION WHERE author = ? AND id NOT IN (SELECT transaction_id FROM ZV_CHANGE)').run(previous);
    // What the old identity pushed is now another replica's, already applied
    // here. It is pending: the person approves it like any other device.
    if (pushed.last !== null) {
      db.sqlite
        .prepare(
          `INSERT OR REPLACE INTO ZV_REPLICA (replica, name, state, applied_last, applied_count, applied_sha, applied_chain)
           VALUES (?, ?, 'pending', ?, ?, ?, ?)`,
        )
        .run(previous, db.name(), pushed.last, pushed.count, pushed.lastSha, pushed.chain);
    }
    writeMeta(db.sqlite, META.databaseUuid, replica);
    writePushState(db.sqlite, { ...emptyPushState });
    writePushIntent(db.sqlite, null);
  });
  return { previous, replica, restamped };
}
