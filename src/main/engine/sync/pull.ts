// Pull (DESIGN.md 4.1): one LIST of replicas/ (done by the caller), a GET of
// each head whose ETag changed, then for each replica ahead of us its batches
// in order, each verified (sha256, chain link) and applied in one SQLite
// transaction together with its cursor. A bad replica is quarantined with
// the reason and the others go on; a remote that fails stops the sync.

import { describeError, TidemarkError } from '../../../shared/errors';
import type { TidemarkDatabase } from '../database';
import type { Remote, RemoteObject } from '../remote/remote';
import { decodeBatch } from './batch-file';
import { extendChain, sha256Hex } from './hash';
import { decodeHead, descriptorKey, replicaOfHeadKey, type Head } from './head';
import { readReplicas, saveAppliedPosition, saveClockWarning, saveHead, saveProblem, type ReplicaRow } from './sync-state';
import type { SyncProblem, SyncProgress } from './sync';

export interface PullContext {
  db: TidemarkDatabase;
  remote: Remote;
  datasetUuid: string;
  now(): number;
  onProgress(progress: SyncProgress): void;
}

export interface PullResult {
  pulled: number;
  replicas: number;
  problems: SyncProblem[];
}

interface Position {
  last: string | null;
  count: number;
  sha: string;
  chain: string;
}

interface PlannedBatch {
  key: string;
  sha256?: string;
  count?: number;
}

export async function pull(ctx: PullContext, listing: RemoteObject[]): Promise<PullResult> {
  const known = readReplicas(ctx.db.sqlite);
  const result: PullResult = { pulled: 0, replicas: 0, problems: [] };
  for (const object of listing) {
    const replica = replicaOfHeadKey(object.key);
    if (replica === null || replica === ctx.db.uuid) continue;
    result.replicas += 1;
    const row = known.get(replica);
    if (row?.problem && row.problem_etag === object.etag) {
      result.problems.push({ replica, message: row.problem, hint: 'It is retried when that replica syncs again.' });
      continue;
    }
    try {
      const head = await readHead(ctx, replica, object, row);
      if (!head) continue;
      const state = ctx.db.sqlite.prepare('SELECT state FROM ZV_REPLICA WHERE replica = ?').pluck().get(replica);
      if (state !== 'trusted') continue;
      result.pulled += await pullReplica(ctx, replica, head);
    } catch (error) {
      if (!(error instanceof TidemarkError) || !isReplicaFault(error)) throw error;
      const message = describeError(error.detail);
      saveProblem(ctx.db.sqlite, replica, message, object.etag);
      result.problems.push({ replica, message, hint: error.detail.hint });
    }
  }
  return result;
}

/** Faults of one replica's files, as opposed to the remote being unreachable. */
function isReplicaFault(error: TidemarkError): boolean {
  return ['corrupt-file', 'newer-format', 'dataset-mismatch'].includes(error.detail.kind);
}

async function readHead(ctx: PullContext, replica: string, object: RemoteObject, row: ReplicaRow | undefined): Promise<Head | null> {
  if (row?.head && row.head_etag === object.etag) return JSON.parse(row.head) as Head;
  const response = await ctx.remote.get(object.key, { ifNoneMatch: row?.head && row.head_etag ? row.head_etag : undefined });
  if (response.status === 'missing') return null;
  if (response.status === 'not-modified') return row?.head ? (JSON.parse(row.head) as Head) : null;
  const head = decodeHead(response.body, object.key, { replica, datasetUuid: ctx.datasetUuid });
  ctx.db.transaction(() => saveHead(ctx.db.sqlite, replica, row?.state ?? 'trusted', head, response.etag, ctx.now()));
  return head;
}

async function pullReplica(ctx: PullContext, replica: string, head: Head): Promise<number> {
  const row = ctx.db.sqlite.prepare('SELECT * FROM ZV_REPLICA WHERE replica = ?').get(replica) as ReplicaRow;
  let position: Position = { last: row.applied_last, count: row.applied_count, sha: row.applied_sha, chain: row.applied_chain };
  if (head.last === null || (position.last !== null && head.last <= position.last)) return 0;

  const plan = await planBatches(ctx, replica, head, position);
  const total = head.count - position.count;
  let pulled = 0;
  const corrupt = (file: string, reason: string) =>
    new TidemarkError({ kind: 'corrupt-file', file, reason, hint: 'That replica must push again; its changes wait until then.' });

  for (const item of plan) {
    const response = await ctx.remote.get(item.key);
    if (response.status !== 'ok') throw corrupt(item.key, 'listed in its head but missing');
    const sha = sha256Hex(response.body);
    if (item.sha256 !== undefined && sha !== item.sha256) throw corrupt(item.key, 'its bytes do not match the hash in the head');
    const batch = decodeBatch(response.body, item.key);
    if (batch.meta.author !== replica) throw corrupt(item.key, `written as replica ${batch.meta.author}`);
    if (batch.meta.dataset_uuid !== ctx.datasetUuid) throw corrupt(item.key, 'from another dataset');
    if (batch.meta.prev_sha256 !== position.sha) throw corrupt(item.key, 'it does not follow the previous batch (chain broken)');
    if (position.last !== null && batch.meta.first <= position.last) throw corrupt(item.key, 'it overlaps changes already applied');
    if (head.last !== null && batch.meta.last > head.last) break; // uploaded, but its head update has not landed yet

    const next: Position = { last: batch.meta.last, count: position.count + batch.meta.count, sha, chain: extendChain(position.chain, sha) };
    ctx.db.applyChanges(batch.changes, (applied) => {
      saveAppliedPosition(ctx.db.sqlite, replica, { last: next.last!, count: next.count, sha: next.sha, chain: next.chain });
      const warning = applied.warnings[0];
      saveClockWarning(ctx.db.sqlite, replica, warning ? `Its clock is ${Math.round(warning.aheadMs / 60000)} minutes ahead of this device's` : null);
    });
    position = next;
    pulled += batch.meta.count;
    ctx.onProgress({ phase: 'pull', replica, done: pulled, total: Math.max(total, pulled), bytes: response.body.length });
  }

  if (position.last === head.last && position.chain !== head.chain) {
    throw corrupt(`replicas/${replica}.json`, 'its batch chain does not match the batches it lists');
  }
  if (position.last !== head.last) throw corrupt(`batches/${replica}/`, 'batches between what we hold and its head are missing');
  return pulled;
}

/** The batches after `position`: from the head's list when it covers the gap, else by LIST. */
async function planBatches(ctx: PullContext, replica: string, head: Head, position: Position): Promise<PlannedBatch[]> {
  const after = head.batches.filter((b) => position.last === null || b.first > position.last);
  const covered = after.reduce((n, b) => n + b.count, 0) === head.count - position.count;
  if (covered) return after.map((b) => ({ key: descriptorKey(replica, b.file), sha256: b.sha256, count: b.count }));

  const prefix = `batches/${replica}/`;
  const listed = await ctx.remote.list(prefix, { startAfter: position.last ? `${prefix}${position.last}` : undefined });
  const hashes = new Map(head.batches.map((b) => [descriptorKey(replica, b.file), b.sha256]));
  return listed
    .filter((o) => /^[0-9a-f-]{36}_[0-9a-f-]{36}\.db\.gz$/.test(o.key.slice(prefix.length)))
    .map((o) => ({ key: o.key, sha256: hashes.get(o.key) }));
}
