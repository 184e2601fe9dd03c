// Every replica this database knows of, with how far it is behind or ahead.

import { TidemarkError } from '../../../shared/errors';
import type { ReplicaInfo } from '../../../shared/types';
import type { TidemarkDatabase } from '../database';
import { timeOfId } from '../hlc';
import type { Head } from './head';
import { fingerprint, type PublicKeys } from '../trust/keys';
import { replicaFingerprint } from '../trust/trust';
import { readPushState, readReplicas } from './sync-state';

export function listReplicas(db: TidemarkDatabase, ownKeys?: PublicKeys): ReplicaInfo[] {
  db.refresh();
  const pushed = readPushState(db.sqlite);
  const own = db.sqlite
    .prepare(
      `SELECT count(*) AS n, max(c.id) AS last FROM ZV_TRANSACTION t CROSS JOIN ZV_CHANGE c ON c.transaction_id = t.id
       WHERE t.author = ?`,
    )
    .get(db.uuid) as { n: number; last: string | null };
  const self: ReplicaInfo = {
    replica: db.uuid,
    name: db.name(),
    state: 'self',
    isSelf: true,
    last: own.last,
    lastTime: own.last ? timeOfId(own.last) : null,
    held: own.n,
    published: pushed.count,
    lag: own.n - pushed.count,
    problem: null,
    clockWarning: null,
    seenAt: null,
    fingerprint: ownKeys ? fingerprint(ownKeys) : null,
  };
  const others = [...readReplicas(db.sqlite).values()].map((row): ReplicaInfo => {
    const head = row.head ? (JSON.parse(row.head) as Head) : null;
    const last = head?.last ?? null;
    return {
      replica: row.replica,
      name: row.name,
      state: row.state,
      isSelf: false,
      last,
      lastTime: last ? timeOfId(last) : null,
      held: row.applied_count,
      published: head?.count ?? 0,
      lag: Math.max(0, (head?.count ?? 0) - row.applied_count),
      problem: row.problem,
      clockWarning: row.clock_warning,
      seenAt: row.seen_at,
      fingerprint: replicaFingerprint(row),
    };
  });
  others.sort((a, b) => a.name.localeCompare(b.name) || a.replica.localeCompare(b.replica));
  return [self, ...others];
}

/**
 * The person accepts a replica's changes although they are stamped far ahead
 * of this device's clock: everything up to its current head is applied at
 * the next sync (and this device's clock moves forward with them).
 */
export function acceptClock(db: TidemarkDatabase, replica: string): { until: string | null } {
  const row = db.sqlite.prepare('SELECT head FROM ZV_REPLICA WHERE replica = ?').get(replica) as { head: string | null } | undefined;
  if (!row) {
    throw new TidemarkError({ kind: 'invalid-input', field: 'replica', message: `no replica ${replica} has been seen`, hint: 'Pick an id from `tidemark replicas <db>`.' });
  }
  const until = row.head ? ((JSON.parse(row.head) as Head).last ?? null) : null;
  db.transaction(() =>
    db.sqlite.prepare('UPDATE ZV_REPLICA SET clock_accepted_until = ?, problem = NULL, problem_etag = NULL WHERE replica = ?').run(until, replica),
  );
  return { until };
}
