// What a database remembers about its remote between syncs: the replicas it
// has seen (ZV_REPLICA) and how far its own pushes got (ZV_METADATA).

import type { Database } from 'better-sqlite3';
import { META, readMeta, writeMeta } from '../schema';
import type { BatchDescriptor, Head, SnapshotDescriptor } from './head';

export type ReplicaState = 'self' | 'pending' | 'trusted' | 'rejected' | 'revoked';

export interface ReplicaRow {
  replica: string;
  name: string;
  state: ReplicaState;
  public_key: string | null;
  agreement_key: string | null;
  decided_at: string | null;
  decided_by: string | null;
  head_etag: string | null;
  head: string | null;
  applied_last: string | null;
  applied_count: number;
  applied_sha: string;
  applied_chain: string;
  problem: string | null;
  problem_etag: string | null;
  clock_warning: string | null;
  seen_at: string | null;
  /** Changes up to this id were accepted by the person although stamped far ahead. */
  clock_accepted_until: string | null;
}

/** Our own pushes: what our head on the remote says, as far as we know. */
export interface PushState {
  headEtag: string | null;
  last: string | null;
  count: number;
  chain: string;
  lastSha: string;
  batches: BatchDescriptor[];
  /** Our newest published snapshot. */
  snapshot?: SnapshotDescriptor | null;
  /** Digest of what else the head says (name, keys, endorsements): a change republishes it. */
  headInputs?: string;
}

/**
 * Batches uploaded since our head last moved: if the push fails before it
 * moves (a crash, or an answer lost on the way back), the next push uploads
 * exactly these batches again before any new one. Their heads may have landed
 * and been read by others, so the files must come out the same.
 */
export interface PushIntent {
  /** The last change of the last of them. */
  last: string;
  /** The last change of each of them, in order (absent in intents written before it was kept: one batch). */
  boundaries?: string[];
}

export const emptyPushState: PushState = { headEtag: null, last: null, count: 0, chain: '', lastSha: '', batches: [] };

export function readPushState(db: Database): PushState {
  const text = readMeta(db, META.pushState);
  return text ? { ...emptyPushState, ...(JSON.parse(text) as PushState) } : { ...emptyPushState };
}

export function writePushState(db: Database, state: PushState): void {
  writeMeta(db, META.pushState, JSON.stringify(state));
}

export function readPushIntent(db: Database): PushIntent | null {
  const text = readMeta(db, META.pushIntent);
  return text ? (JSON.parse(text) as PushIntent) : null;
}

export function writePushIntent(db: Database, intent: PushIntent | null): void {
  if (intent) writeMeta(db, META.pushIntent, JSON.stringify(intent));
  else db.prepare('DELETE FROM ZV_METADATA WHERE key = ?').run(META.pushIntent);
}

export function readReplicas(db: Database): Map<string, ReplicaRow> {
  const rows = db.prepare('SELECT * FROM ZV_REPLICA').all() as ReplicaRow[];
  return new Map(rows.map((row) => [row.replica, row]));
}

export function readReplica(db: Database, replica: string): ReplicaRow | undefined {
  return db.prepare('SELECT * FROM ZV_REPLICA WHERE replica = ?').get(replica) as ReplicaRow | undefined;
}

/**
 * Records a head we just read (its raw JSON, so its signature can be checked
 * again later); the applied position is untouched. Keys are recorded only when
 * given: from a self-signed head of a replica we have not decided about.
 */
export function saveHead(
  db: Database,
  replica: string,
  head: Head,
  rawHead: string,
  etag: string,
  now: number,
  keys: { signing: string; agreement: string } | null,
): void {
  db.prepare(
    `INSERT INTO ZV_REPLICA (replica, name, public_key, agreement_key, head_etag, head, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(replica) DO UPDATE SET name = excluded.name,
       public_key = CASE WHEN decided_at IS NULL THEN coalesce(excluded.public_key, public_key) ELSE public_key END,
       agreement_key = CASE WHEN decided_at IS NULL THEN coalesce(excluded.agreement_key, agreement_key) ELSE agreement_key END,
       head_etag = excluded.head_etag, head = excluded.head, seen_at = excluded.seen_at,
       problem = CASE WHEN problem_etag IS excluded.head_etag THEN problem ELSE NULL END`,
  ).run(replica, head.name, keys?.signing ?? null, keys?.agreement ?? null, etag, rawHead, new Date(now).toISOString());
}

export function saveAppliedPosition(db: Database, replica: string, position: { last: string; count: number; sha: string; chain: string }): void {
  db.prepare(
    'UPDATE ZV_REPLICA SET applied_last = ?, applied_count = ?, applied_sha = ?, applied_chain = ? WHERE replica = ?',
  ).run(position.last, position.count, position.sha, position.chain, replica);
}

/** Quarantines a replica at its current head: it is retried when its head changes. */
export function saveProblem(db: Database, replica: string, problem: string, etag: string | null): void {
  db.prepare(
    `INSERT INTO ZV_REPLICA (replica, problem, problem_etag) VALUES (?, ?, ?)
     ON CONFLICT(replica) DO UPDATE SET problem = excluded.problem, problem_etag = excluded.problem_etag`,
  ).run(replica, problem, etag);
}

export function saveClockWarning(db: Database, replica: string, warning: string | null): void {
  db.prepare('UPDATE ZV_REPLICA SET clock_warning = ? WHERE replica = ?').run(warning, replica);
}
