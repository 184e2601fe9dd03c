// Who this database trusts (DESIGN.md 4.3). A replica's changes are applied
// only while it is trusted. Decisions live in ZV_REPLICA (state, decided_at,
// decided_by); the public keys of trusted replicas live in the SecretStore
// (the OS keychain), and heads are verified against those, never against the
// key a head brings along. Decisions are published as endorsements in our
// head; a decision from a trusted replica's head is adopted when it is newer
// than ours, so one approval on one device is enough everywhere.

import { TidemarkError } from '../../../shared/errors';
import type { TidemarkDatabase } from '../database';
import type { SecretStore } from '../secrets/secret-store';
import type { Endorsement, Head } from '../sync/head';
import { readReplica, type ReplicaRow } from '../sync/sync-state';
import { fingerprint, isPublicKey, verifyBytes, type PublicKeys } from './keys';
import { createDataKey } from '../crypto/data-keys';
import { META, readMeta } from '../schema';

export type Decision = 'trusted' | 'rejected' | 'revoked';

export function trustedKeyAccount(localReplica: string, replica: string): string {
  return `trusted/${localReplica}/${replica}`;
}

export async function readTrustedKeys(secrets: SecretStore, db: TidemarkDatabase, replica: string): Promise<PublicKeys | null> {
  const text = await secrets.get(trustedKeyAccount(db.uuid, replica));
  return text ? (JSON.parse(text) as PublicKeys) : null;
}

export function replicaFingerprint(row: Pick<ReplicaRow, 'public_key' | 'agreement_key'>): string | null {
  return row.public_key && row.agreement_key ? fingerprint({ signing: row.public_key, agreement: row.agreement_key }) : null;
}

/** The person's decision about a replica, made on this device. */
export async function decide(db: TidemarkDatabase, secrets: SecretStore, replica: string, decision: Decision): Promise<ReplicaRow> {
  const row = readReplica(db.sqlite, replica);
  if (!row || replica === db.uuid) {
    throw new TidemarkError({
      kind: 'invalid-input',
      field: 'replica',
      message: replica === db.uuid ? 'that is this database itself' : `no replica ${replica} has been seen`,
      hint: 'Sync first, then pick an id from `tidemark replicas <db>`.',
    });
  }
  if (decision === 'trusted' && !(row.public_key && row.agreement_key)) {
    throw new TidemarkError({
      kind: 'invalid-input',
      field: 'replica',
      message: 'that replica has not published its keys yet',
      hint: 'Let it sync once, then compare fingerprints and trust it.',
    });
  }
  await applyDecision(db, secrets, row, decision, db.hlc.next(), db.uuid, { signing: row.public_key!, agreement: row.agreement_key! });
  const dataset = readMeta(db.sqlite, META.datasetUuid);
  if (decision === 'revoked' && dataset && readMeta(db.sqlite, META.datasetEncrypted) === '1') {
    // Everything written from now on is sealed with a key the revoked replica never gets.
    await createDataKey(secrets, dataset, db.hlc.next());
  }
  return readReplica(db.sqlite, replica)!;
}

async function applyDecision(
  db: TidemarkDatabase,
  secrets: SecretStore,
  row: Pick<ReplicaRow, 'replica'>,
  decision: Decision,
  at: string,
  by: string,
  keys: PublicKeys | null,
): Promise<void> {
  const account = trustedKeyAccount(db.uuid, row.replica);
  // Keychain first: a crash in between leaves a stored key of an untrusted
  // replica (harmless), never a trusted replica without its key.
  if (decision === 'trusted' && keys) await secrets.set(account, JSON.stringify(keys));
  db.transaction(() =>
    db.sqlite
      .prepare(
        `INSERT INTO ZV_REPLICA (replica, state, public_key, agreement_key, decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(replica) DO UPDATE SET state = excluded.state, decided_at = excluded.decided_at, decided_by = excluded.decided_by,
           public_key = coalesce(excluded.public_key, public_key), agreement_key = coalesce(excluded.agreement_key, agreement_key)`,
      )
      .run(row.replica, decision, keys?.signing ?? null, keys?.agreement ?? null, at, by),
  );
  if (decision !== 'trusted') await secrets.delete(account);
}

/** Our decisions, published in our head. */
export function ourEndorsements(db: TidemarkDatabase): Endorsement[] {
  const rows = db.sqlite
    .prepare("SELECT replica, public_key, agreement_key, state, decided_at FROM ZV_REPLICA WHERE decided_at IS NOT NULL AND state IN ('trusted', 'rejected', 'revoked') ORDER BY replica")
    .all() as Array<{ replica: string; public_key: string | null; agreement_key: string | null; state: Decision; decided_at: string }>;
  return rows.map((r) => ({ replica: r.replica, public_key: r.public_key, agreement_key: r.agreement_key, state: r.state, at: r.decided_at }));
}

/**
 * Takes the decisions a trusted replica published where they are newer than
 * what we know. Returns the replicas whose state changed.
 */
export async function adoptEndorsements(db: TidemarkDatabase, secrets: SecretStore, endorser: string, head: Head): Promise<string[]> {
  const changed: string[] = [];
  for (const e of head.endorsements ?? []) {
    if (e.replica === db.uuid || e.replica === endorser) continue;
    const row = readReplica(db.sqlite, e.replica);
    if (row?.decided_at && row.decided_at >= e.at) continue;
    // The same decision taken elsewhere changes nothing here (and keeps heads still).
    if (row?.decided_at && row.state === e.state && (e.state !== 'trusted' || row.public_key === e.public_key)) continue;
    const keys = isPublicKey(e.public_key) && isPublicKey(e.agreement_key) ? { signing: e.public_key, agreement: e.agreement_key } : null;
    if (e.state === 'trusted' && !keys) continue;
    await applyDecision(db, secrets, { replica: e.replica }, e.state, e.at, endorser, keys);
    if (row?.state !== e.state) changed.push(e.replica);
  }
  return changed;
}

export type HeadCheck = { ok: true } | { ok: false; reason: string };

/** Whether a trusted replica's head is really its own, and not an older one replayed. */
export async function checkTrustedHead(
  db: TidemarkDatabase,
  secrets: SecretStore,
  replica: string,
  head: Head,
  signed: Buffer,
  previous: Head | null,
): Promise<HeadCheck> {
  const keys = await readTrustedKeys(secrets, db, replica);
  if (!keys) return { ok: false, reason: 'its trusted key is missing from this device\'s keychain; trust it again after comparing fingerprints' };
  if (!head.signature) return { ok: false, reason: 'its head is not signed' };
  if (head.public_key !== keys.signing) return { ok: false, reason: 'its head carries a different key than the one trusted' };
  if (!verifyBytes(signed, head.signature, keys.signing)) return { ok: false, reason: 'its head signature does not verify (signed by the wrong key, or altered)' };
  if (previous && isOlder(head, previous)) return { ok: false, reason: 'its head is older than one already seen (replayed)' };
  return { ok: true };
}

/** A pending replica's head must at least be signed by the key it shows. */
export function isSelfSigned(head: Head, signed: Buffer): boolean {
  return Boolean(head.signature && isPublicKey(head.public_key) && verifyBytes(signed, head.signature, head.public_key));
}

function isOlder(head: Head, previous: Head): boolean {
  if (head.count < previous.count) return true;
  return Boolean(head.written && previous.written && head.written < previous.written);
}
