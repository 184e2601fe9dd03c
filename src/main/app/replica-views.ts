// Replicas and concurrent edits as the app shows them, over the engine's
// listReplicas, decide, acceptClock, listConflicts and resolveConflict.

import { TidemarkError } from '../../shared/errors';
import type { ConflictsView, PendingReplica, ReplicasView } from '../../shared/sync-types';
import type { WriteSummary } from '../../shared/app-types';
import { countOpenConflicts, listConflicts, resolveConflict } from '../engine/conflicts';
import type { TidemarkDatabase } from '../engine/database';
import type { SecretStore } from '../engine/secrets/secret-store';
import { CLOCK_QUARANTINE_MS } from '../engine/sync/pull';
import { acceptClock, listReplicas } from '../engine/sync/replicas';
import { readReplica, readReplicas } from '../engine/sync/sync-state';
import { loadOrCreateKeys, type PublicKeys } from '../engine/trust/keys';
import { decide, replicaFingerprint, type Decision } from '../engine/trust/trust';
import { createLabeler } from './row-labels';

/** At most this many conflicts travel in one answer; the count says how many there are. */
export const CONFLICTS_LIMIT = 500;

export function createReplicaViews(secrets: SecretStore) {
  // This device's public keys, per replica id: read from the keychain once.
  const ownKeys = new Map<string, Promise<PublicKeys>>();
  const keysOf = (db: TidemarkDatabase) => {
    let keys = ownKeys.get(db.uuid);
    if (!keys) {
      keys = loadOrCreateKeys(secrets, db.uuid).then((k) => k.public);
      keys.catch(() => ownKeys.delete(db.uuid)); // a locked keychain may open later
      ownKeys.set(db.uuid, keys);
    }
    return keys;
  };

  const list = async (db: TidemarkDatabase, now = Date.now()): Promise<ReplicasView> => {
    const replicas = listReplicas(db, await keysOf(db)).map((r) => ({
      ...r,
      clockAhead: !r.isSelf && r.problem !== null && r.lastTime !== null && r.lastTime - now > CLOCK_QUARANTINE_MS,
    }));
    return { replicas };
  };

  return {
    list,
    async approve(db: TidemarkDatabase, replica: string, compared: string): Promise<ReplicasView> {
      const row = readReplica(db.sqlite, replica);
      const current = row ? replicaFingerprint(row) : null;
      if (row && current !== compared) {
        throw new TidemarkError({
          kind: 'invalid-input',
          field: 'fingerprint',
          message: current ? 'that device published other keys since you compared them' : 'that device has not published its keys yet',
          hint: 'Compare the fingerprints again on both devices before approving.',
        });
      }
      await decide(db, secrets, replica, 'trusted');
      return list(db);
    },
    async decide(db: TidemarkDatabase, replica: string, decision: Exclude<Decision, 'trusted'>): Promise<ReplicasView> {
      await decide(db, secrets, replica, decision);
      return list(db);
    },
    async acceptClock(db: TidemarkDatabase, replica: string): Promise<ReplicasView> {
      acceptClock(db, replica);
      return list(db);
    },
  };
}

export type ReplicaViews = ReturnType<typeof createReplicaViews>;

export function pendingReplicas(db: TidemarkDatabase): PendingReplica[] {
  return [...readReplicas(db.sqlite).values()]
    .filter((row) => row.state === 'pending')
    .map((row) => ({ replica: row.replica, name: row.name, fingerprint: replicaFingerprint(row) }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.replica.localeCompare(b.replica));
}

export function openConflicts(db: TidemarkDatabase): number {
  return countOpenConflicts(db.sqlite);
}

export function conflictsView(db: TidemarkDatabase, all: boolean): ConflictsView {
  const found = listConflicts(db.sqlite, { all });
  const label = createLabeler(db);
  const conflicts = found.slice(0, CONFLICTS_LIMIT).map((c) => ({ ...c, label: label(c.table, c.entityId) }));
  const names = new Map([...readReplicas(db.sqlite).values()].map((r) => [r.replica, r.name]));
  const uuids = new Set(conflicts.flatMap((c) => [c.mine.author, c.theirs.author]));
  const authors = [...uuids].map((uuid) =>
    uuid === db.uuid ? { uuid, name: db.name(), isSelf: true } : { uuid, name: names.get(uuid) || '', isSelf: false },
  );
  return { conflicts, open: openConflicts(db), more: found.length > CONFLICTS_LIMIT, authors };
}

export function resolve(db: TidemarkDatabase, id: number, keep: 'mine' | 'theirs' | { value: string }): WriteSummary {
  let text: string;
  if (typeof keep === 'string') text = keep;
  else {
    try {
      JSON.parse(keep.value);
    } catch {
      throw new TidemarkError({ kind: 'invalid-input', field: 'keep.value', message: 'not a JSON value', hint: 'Text goes in quotes ("like this"); numbers, true, false and null as they are.' });
    }
    text = keep.value;
  }
  const open = listConflicts(db.sqlite, { all: true }).find((c) => c.id === id);
  if (!open) throw new TidemarkError({ kind: 'invalid-input', field: 'id', message: 'no such conflict in this database', hint: 'Reload the conflicts.' });
  if (open.resolvedBy) throw new TidemarkError({ kind: 'invalid-input', field: 'id', message: 'this conflict is already settled', hint: 'Reload the conflicts.' });
  const { transactionId } = resolveConflict(db, id, text);
  const changes = transactionId ? (db.sqlite.prepare('SELECT count(*) FROM ZV_CHANGE WHERE transaction_id = ?').pluck().get(transactionId) as number) : 0;
  return { transactionId, changes };
}
