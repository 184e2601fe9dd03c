// Publishing and using snapshots (DESIGN.md 4.4). A snapshot is this
// replica's merged log up to each author's position, referenced (with its
// sha256) from our signed head. A new device — or one whose missing batches
// were cleaned up — starts from the newest trusted snapshot, then pulls each
// author's batches after the snapshot's position for that author.

import { TidemarkError } from '../../../shared/errors';
import type { TidemarkDatabase } from '../database';
import type { Remote } from '../remote/remote';
import type { SecretStore } from '../secrets/secret-store';
import { heldEpochs, isSealed, openFile, readDataKey, sealFile, sealedEpoch } from '../crypto/data-keys';
import { sha256Hex } from './hash';
import { descriptorKey, type BatchDescriptor, type Head, type SnapshotDescriptor } from './head';
import { buildSnapshotFile, openSnapshotFile, snapshotKey, type SnapshotPosition } from './snapshot-file';
import { readPushState, writePushState, type PushState } from './sync-state';

/**
 * A push publishes a snapshot when a device joining now would otherwise need
 * this many changes beyond the newest snapshot on the remote...
 */
export const AUTO_SNAPSHOT_CHANGES = 100_000;
/**
 * ...spread over at least this many batch files. A snapshot costs a whole
 * log's upload; it pays off by sparing a joining device many requests (and
 * lets gc delete what it covers), not by replacing a few large batches that
 * hold the same bytes (docs/decisions.md).
 */
export const AUTO_SNAPSHOT_FILES = 16;

export interface SnapshotContext {
  db: TidemarkDatabase;
  remote: Remote;
  datasetUuid: string;
  secrets: SecretStore;
  encrypted: boolean;
}

/** Each author's position in what this database holds: ours as pushed, the others' as applied. */
export function currentPositions(db: TidemarkDatabase, pushed: PushState): SnapshotPosition[] {
  const positions = db.sqlite
    .prepare(
      `SELECT replica, applied_last AS last, applied_count AS count, applied_sha AS sha, applied_chain AS chain
       FROM ZV_REPLICA WHERE applied_last IS NOT NULL AND replica != ?`,
    )
    .all(db.uuid) as SnapshotPosition[];
  if (pushed.last !== null) positions.push({ replica: db.uuid, last: pushed.last, count: pushed.count, sha: pushed.lastSha, chain: pushed.chain });
  return positions;
}

export interface SnapshotPolicy {
  changes: number;
  files: number;
}

export const AUTO_SNAPSHOT: SnapshotPolicy = { changes: AUTO_SNAPSHOT_CHANGES, files: AUTO_SNAPSHOT_FILES };

export function isSnapshotDue(db: TidemarkDatabase, pushed: PushState, policy: SnapshotPolicy = AUTO_SNAPSHOT): boolean {
  // The files a device joining now would fetch: the newest snapshot it
  // trusts (ours, or another trusted replica's), then every author's batches after it.
  const heads = trustedHeads(db);
  const snapshots = [pushed.snapshot, ...heads.map((h) => h.snapshot)].filter((s): s is SnapshotDescriptor => !!s);
  const newest = snapshots.reduce<SnapshotDescriptor | null>((a, b) => (a === null || b.last > a.last ? b : a), null);
  const total = db.sqlite.prepare('SELECT count(*) FROM ZV_CHANGE').pluck().get() as number;
  if (total - (newest?.count ?? 0) < policy.changes) return false;
  const after = (replica: string, batches: readonly BatchDescriptor[]) => {
    const covered = newest?.covers[replica];
    return batches.filter((b) => covered === undefined || b.first > covered).length;
  };
  const files = after(db.uuid, pushed.batches) + heads.reduce((n, h) => n + after(h.replica, h.batches), 0);
  return files >= policy.files;
}

/** The heads we hold of trusted replicas (as they were when we last read them). */
function trustedHeads(db: TidemarkDatabase): Head[] {
  const rows = db.sqlite.prepare("SELECT head FROM ZV_REPLICA WHERE state = 'trusted' AND head IS NOT NULL").pluck().all() as string[];
  return rows.map((raw) => JSON.parse(raw) as Head);
}

/** Builds and uploads a snapshot; the caller puts the descriptor into our head. */
export async function uploadSnapshot(ctx: SnapshotContext, pushed: PushState): Promise<SnapshotDescriptor | null> {
  const positions = currentPositions(ctx.db, pushed);
  if (positions.length === 0) return null;
  const last = ctx.db.hlc.next();
  const built = await buildSnapshotFile(ctx.db, positions, { dataset_uuid: ctx.datasetUuid, author: ctx.db.uuid, last });
  let bytes = built.bytes;
  if (ctx.encrypted) {
    const epochs = await heldEpochs(ctx.secrets, ctx.datasetUuid);
    const epoch = epochs[epochs.length - 1];
    const key = epoch ? await readDataKey(ctx.secrets, ctx.datasetUuid, epoch) : null;
    if (!epoch || !key) return null; // not approved yet: nothing of ours goes out in the clear
    bytes = sealFile(bytes, epoch, key);
  }
  const file = snapshotKey(ctx.db.uuid, last);
  const put = await ctx.remote.putIfAbsent(file, bytes);
  if (put.status !== 'ok') throw new TidemarkError({ kind: 'remote-io', remote: ctx.remote.url, message: `${file} already exists`, hint: 'Try again.' });
  return {
    file,
    last,
    count: built.meta.count,
    bytes: bytes.length,
    sha256: sha256Hex(bytes),
    covers: Object.fromEntries(positions.map((p) => [p.replica, p.last])),
  };
}

/**
 * Applies a trusted replica's snapshot: every change in one transaction, and
 * each author's position moved forward to the snapshot's where it is ahead.
 * Returns how many changes were new here.
 */
export async function applySnapshot(ctx: SnapshotContext, owner: string, descriptor: SnapshotDescriptor): Promise<number> {
  const key = descriptorKey(owner, descriptor.file);
  const corrupt = (reason: string) => new TidemarkError({ kind: 'corrupt-file', file: key, reason, hint: 'Its replica must publish a new snapshot.' });
  const response = await ctx.remote.get(key);
  if (response.status !== 'ok') throw corrupt('listed in its head but missing');
  if (sha256Hex(response.body) !== descriptor.sha256) throw corrupt('its bytes do not match the hash in the head');
  let body: Uint8Array = response.body;
  if (ctx.encrypted) {
    if (!isSealed(body)) throw corrupt('an unencrypted file in an encrypted dataset');
    const dataKey = await readDataKey(ctx.secrets, ctx.datasetUuid, sealedEpoch(body));
    if (!dataKey) return 0; // this device has no key yet: batches come later
    body = openFile(body, dataKey, key);
  }
  const snapshot = await openSnapshotFile(body, key);
  try {
    if (snapshot.meta.author !== owner || snapshot.meta.dataset_uuid !== ctx.datasetUuid) throw corrupt('written by another replica or dataset');
    const { db } = ctx;
    const result = db.applyFile(snapshot, () => {
      const upsert = db.sqlite.prepare(
        `INSERT INTO ZV_REPLICA (replica, applied_last, applied_count, applied_sha, applied_chain) VALUES (@replica, @last, @count, @sha, @chain)
         ON CONFLICT(replica) DO UPDATE SET applied_last = excluded.applied_last, applied_count = excluded.applied_count,
           applied_sha = excluded.applied_sha, applied_chain = excluded.applied_chain
         WHERE applied_last IS NULL OR applied_last < excluded.applied_last`,
      );
      for (const position of snapshot.positions) {
        if (position.replica === db.uuid) {
          // Our own changes, held by another device (this one lost its database): do not push them again.
          const pushed = readPushState(db.sqlite);
          if (pushed.last === null || pushed.last < position.last) {
            writePushState(db.sqlite, { ...pushed, last: position.last, count: position.count, lastSha: position.sha, chain: position.chain });
          }
        } else upsert.run(position);
      }
    });
    return result.applied;
  } finally {
    snapshot.close();
  }
}
