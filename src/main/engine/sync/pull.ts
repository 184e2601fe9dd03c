// Pull (DESIGN.md 4.1): one LIST of replicas/ (done by the caller), a GET of
// each head whose ETag changed, then for each replica ahead of us its batches
// in order, each verified (sha256, chain link) and applied in one SQLite
// transaction together with its cursor. A bad replica is quarantined with
// the reason and the others go on; a remote that fails stops the sync.

import { describeError, TidemarkError } from '../../../shared/errors';
import type { TidemarkDatabase } from '../database';
import type { Remote, RemoteObject } from '../remote/remote';
import { stageBatch, stageSavedBatch, type StagedBatch } from './batch-file';
import { newDownloadPath, removeInflated } from './change-file';
import { oneAhead, type HandOff } from './one-ahead';
import { applySnapshot } from './snapshot';
import { timeOfId } from '../hlc';
import { extendChain, sha256Hex, sha256OfFile } from './hash';
import { decodeHead, descriptorKey, replicaOfHeadKey, type Head } from './head';
import { readReplica, readReplicas, saveAppliedPosition, saveClockWarning, saveHead, saveProblem, type ReplicaRow } from './sync-state';
import type { SecretStore } from '../secrets/secret-store';
import { isPublicKey } from '../trust/keys';
import { adoptEndorsements, checkTrustedHead, isSelfSigned } from '../trust/trust';
import type { ReplicaKeys } from '../trust/keys';
import { MissingDataKey, openIfSealed, receiveDataKeys } from './sealed-batches';
import type { SyncProblem, SyncProgress } from './sync';

export interface PullContext {
  db: TidemarkDatabase;
  remote: Remote;
  datasetUuid: string;
  secrets: SecretStore;
  keys: ReplicaKeys;
  /** The dataset is end-to-end encrypted: batches must be sealed, and opened with a data key. */
  encrypted: boolean;
  now(): number;
  onProgress(progress: SyncProgress): void;
}

export interface PullResult {
  pulled: number;
  replicas: number;
  problems: SyncProblem[];
  /** Replicas waiting for the person to approve or reject them. */
  pending: string[];
  /** Trusted replicas whose batches this device cannot open yet (no data key). */
  waitingForKey: string[];
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
  /** Size the signed head lists: a shorter body was cut short in transit. */
  bytes?: number;
  /** Already fetched (and chain-checked) while planning. */
  body?: Uint8Array;
}

interface ReadHead {
  head: Head;
  signed: Buffer;
  raw: string;
  etag: string;
  /** Read from the remote in this sync (not the copy we kept). */
  fresh: boolean;
}

export async function pull(ctx: PullContext, listing: RemoteObject[]): Promise<PullResult> {
  try {
    return await pullTrusted(ctx, listing);
  } finally {
    finishJoining(ctx);
  }
}

/**
 * A joining device builds the by-attribute index it set aside and the rows
 * left for the end, once, here: seconds for a million changes, so the
 * progress says so rather than sit on the last batch.
 */
function finishJoining(ctx: PullContext): void {
  const indexed = ctx.db.endBulkLoad((changes) => ctx.onProgress({ phase: 'index', done: 0, total: changes, bytes: 0 }));
  if (indexed !== null) ctx.onProgress({ phase: 'index', done: indexed, total: indexed, bytes: 0 });
}

async function pullTrusted(ctx: PullContext, listing: RemoteObject[]): Promise<PullResult> {
  const { db } = ctx;
  const known = readReplicas(db.sqlite);
  const result: PullResult = { pulled: 0, replicas: 0, problems: [], pending: [], waitingForKey: [] };
  const quarantine = (replica: string, etag: string | null, error: TidemarkError | { message: string; hint: string }) => {
    const message = error instanceof TidemarkError ? describeError(error.detail) : error.message;
    const hint = error instanceof TidemarkError ? error.detail.hint : error.hint;
    // Tied to the head's etag, a problem waits for that replica to write again; one that
    // may pass (a download cut short) is tied to nothing, so the next sync tries again.
    const again = error instanceof TidemarkError && error.detail.kind === 'corrupt-file' && error.detail.again === true;
    db.transaction(() => saveProblem(db.sqlite, replica, message, again ? null : etag));
    result.problems.push({ replica, message, hint });
  };

  // 1. Read every head that changed since the last sync.
  const heads = new Map<string, ReadHead>();
  for (const object of listing) {
    const replica = replicaOfHeadKey(object.key);
    if (replica === null || replica === db.uuid) continue;
    result.replicas += 1;
    const row = known.get(replica);
    if (row?.problem && row.problem_etag === object.etag) {
      result.problems.push({ replica, message: row.problem, hint: 'It is retried when that replica syncs again.' });
      continue;
    }
    try {
      const read = await readHead(ctx, replica, object, row);
      if (read) heads.set(replica, read);
    } catch (error) {
      if (!(error instanceof TidemarkError) || !isReplicaFault(error)) throw error;
      quarantine(replica, object.etag, error);
    }
  }

  // 2. Verify trusted heads against the keychain and take their endorsements,
  //    until no more replicas become trusted (approvals travel transitively).
  const verified = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [replica, read] of heads) {
      if (verified.has(replica) || stateOf(db, replica) !== 'trusted') continue;
      const previous = known.get(replica)?.head;
      const check = await checkTrustedHead(db, ctx.secrets, replica, read.head, read.signed, previous ? (JSON.parse(previous) as Head) : null);
      if (!check.ok) {
        heads.delete(replica);
        quarantine(replica, read.etag, { message: `Replica ${replica} was refused: ${check.reason}`, hint: 'Its changes are not applied. If it was reinstalled, revoke it and approve it again after comparing fingerprints.' });
        continue;
      }
      verified.add(replica);
      if (ctx.encrypted) await receiveDataKeys(ctx, replica, read.head);
      if (read.fresh) db.transaction(() => saveHead(db.sqlite, replica, read.head, read.raw, read.etag, ctx.now(), null));
      if ((await adoptEndorsements(db, ctx.secrets, replica, read.head)).length > 0) changed = true;
    }
  }

  // 3. Record what we saw of the others, for the person to decide about.
  for (const [replica, read] of heads) {
    if (verified.has(replica)) continue;
    const keys = isSelfSigned(read.head, read.signed) && isPublicKey(read.head.agreement_key) ? { signing: read.head.public_key!, agreement: read.head.agreement_key } : null;
    if (read.fresh) db.transaction(() => saveHead(db.sqlite, replica, read.head, read.raw, read.etag, ctx.now(), keys));
    if (stateOf(db, replica) === 'pending') result.pending.push(replica);
  }

  // 4. A device that holds nothing of the others yet starts from the newest trusted snapshot.
  const snapshotCtx = { db, remote: ctx.remote, datasetUuid: ctx.datasetUuid, secrets: ctx.secrets, encrypted: ctx.encrypted };
  const withSnapshot = [...verified].map((replica) => ({ replica, head: heads.get(replica)!.head })).filter((h) => h.head.snapshot);
  withSnapshot.sort((x, y) => (x.head.snapshot!.last < y.head.snapshot!.last ? 1 : -1));
  const holdsNothing = db.sqlite.prepare('SELECT count(*) FROM ZV_REPLICA WHERE applied_last IS NOT NULL').pluck().get() === 0;
  if (holdsNothing && withSnapshot[0]) {
    const { replica, head } = withSnapshot[0];
    try {
      result.pulled += await applySnapshot(snapshotCtx, replica, head.snapshot!);
      ctx.onProgress({ phase: 'pull', replica, done: head.snapshot!.count, total: head.snapshot!.count, bytes: head.snapshot!.bytes });
    } catch (error) {
      if (!(error instanceof TidemarkError) || !isReplicaFault(error)) throw error;
      quarantine(replica, heads.get(replica)!.etag, error); // batches can still be pulled one by one below
    }
  }

  // 5. Apply the batches of trusted replicas.
  for (const replica of verified) {
    if (stateOf(db, replica) !== 'trusted') continue; // revoked by an endorsement read after its head
    try {
      result.pulled += await pullReplica(ctx, replica, heads.get(replica)!.head).catch(async (error: unknown) => {
        // Its old batches were cleaned up: a snapshot that covers them bridges the gap.
        const bridge = isMissingBatches(error) ? snapshotCovering(db, replica, withSnapshot) : undefined;
        if (!bridge) throw error;
        const applied = await applySnapshot(snapshotCtx, bridge.replica, bridge.head.snapshot!);
        return applied + (await pullReplica(ctx, replica, heads.get(replica)!.head));
      });
    } catch (error) {
      if (error instanceof MissingDataKey) {
        result.waitingForKey.push(replica);
        continue;
      }
      if (!(error instanceof TidemarkError) || !isReplicaFault(error)) throw error;
      quarantine(replica, heads.get(replica)!.etag, error);
    }
  }
  // Pending replicas seen in earlier syncs still wait for the person.
  for (const row of known.values()) if (row.state === 'pending' && !heads.has(row.replica) && !result.pending.includes(row.replica)) result.pending.push(row.replica);
  return result;
}

function stateOf(db: TidemarkDatabase, replica: string): string | undefined {
  return readReplica(db.sqlite, replica)?.state;
}

/**
 * A GET whose body is shorter than the size we were told may have been cut
 * short in transit: read it once more before judging the file. Still short,
 * it is reported as cut short and read again at the next sync.
 */
async function getWhole(remote: Remote, key: string, size: number | undefined, options?: { ifNoneMatch?: string }) {
  return readWhole(() => remote.get(key, options), (answer) => (answer.status === 'ok' ? answer.body.length : undefined), key, size);
}

/** getWhole into a file (Remote.getToFile): the whole download's path and size, or null when it is missing. */
async function getWholeToFile(
  getToFile: NonNullable<Remote['getToFile']>,
  key: string,
  size: number | undefined,
): Promise<{ path: string; bytes: number } | null> {
  const path = newDownloadPath();
  try {
    const response = await readWhole(() => getToFile(key, path), (answer) => (answer.status === 'ok' ? answer.bytes : undefined), key, size);
    if (response.status === 'missing') {
      removeInflated(path);
      return null;
    }
    return { path, bytes: response.bytes };
  } catch (error) {
    removeInflated(path);
    throw error;
  }
}

/** Reads once more when an answer brought fewer than `size` bytes (`arrived`); short twice is cutShortTwice. */
async function readWhole<T>(read: () => Promise<T>, arrived: (answer: T) => number | undefined, key: string, size: number | undefined): Promise<T> {
  const first = await read();
  const got = arrived(first);
  if (got === undefined || size === undefined || got >= size) return first;
  const again = await read();
  const gotAgain = arrived(again);
  if (gotAgain !== undefined && gotAgain < size) throw cutShortTwice(key, gotAgain, size);
  return again;
}

/** Cut short twice: most likely the network, and a sync later may read it whole. */
function cutShortTwice(key: string, arrived: number, size: number): TidemarkError {
  return new TidemarkError({
    kind: 'corrupt-file',
    file: key,
    reason: `only ${arrived} of its ${size} bytes arrived`,
    hint: 'It is read again at the next sync; if this persists, that replica must push again.',
    again: true,
  });
}

function isMissingBatches(error: unknown): boolean {
  return error instanceof TidemarkError && error.detail.kind === 'corrupt-file' && /missing/.test(error.detail.reason);
}

/** A trusted snapshot holding more of `replica` than we do. */
function snapshotCovering(db: TidemarkDatabase, replica: string, candidates: Array<{ replica: string; head: Head }>) {
  const applied = db.sqlite.prepare('SELECT applied_last FROM ZV_REPLICA WHERE replica = ?').pluck().get(replica) as string | null;
  return candidates.find((c) => {
    const covered = c.head.snapshot!.covers[replica];
    return covered !== undefined && (applied === null || covered > applied);
  });
}

/** Changes stamped further ahead of this device's clock wait for the person (DESIGN.md 4.5). */
export const CLOCK_QUARANTINE_MS = 24 * 60 * 60 * 1000;

/** Faults of one replica's files, as opposed to the remote being unreachable. */
function isReplicaFault(error: TidemarkError): boolean {
  return ['corrupt-file', 'newer-format', 'dataset-mismatch', 'clock-ahead'].includes(error.detail.kind);
}

async function readHead(ctx: PullContext, replica: string, object: RemoteObject, row: ReplicaRow | undefined): Promise<ReadHead | null> {
  const expected = { replica, datasetUuid: ctx.datasetUuid };
  const kept = (): ReadHead | null => {
    if (!row?.head || !row.head_etag) return null;
    const { head, signed } = decodeHead(Buffer.from(row.head, 'utf8'), object.key, expected);
    return { head, signed, raw: row.head, etag: row.head_etag, fresh: false };
  };
  if (row?.head && row.head_etag === object.etag) return kept();
  const response = await getWhole(ctx.remote, object.key, object.size, { ifNoneMatch: row?.head && row.head_etag ? row.head_etag : undefined });
  if (response.status === 'missing') return null;
  if (response.status === 'not-modified') return kept();
  const { head, signed } = decodeHead(response.body, object.key, expected);
  return { head, signed, raw: Buffer.from(response.body).toString('utf8'), etag: response.etag, fresh: true };
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

  // A download straight to a file where the remote can, so no download is
  // ever a buffer here (dead buffers of many MB were most of a pull's peak
  // memory): its path, size and hash. A sealed batch is opened in memory.
  const { getToFile } = ctx.remote;
  const toFile = getToFile && !ctx.encrypted ? getToFile : null;
  const missing = (item: PlannedBatch) => corrupt(item.key, 'listed in its head but missing');
  /** Throws when a batch's bytes are not the ones its head names. */
  const checkHash = (item: PlannedBatch, sha: string) => {
    if (item.sha256 !== undefined && sha !== item.sha256) throw corrupt(item.key, 'its bytes do not match the hash in the head');
  };
  const downloadToFile = async (item: PlannedBatch, get: NonNullable<Remote['getToFile']>) => {
    const download = await getWholeToFile(get, item.key, item.bytes);
    if (download === null) throw missing(item);
    try {
      const sha = await sha256OfFile(download.path);
      checkHash(item, sha);
      return { gzipPath: download.path, bytes: download.bytes, sha };
    } catch (error) {
      removeInflated(download.path);
      throw error;
    }
  };

  // Each batch downloaded, checked against the head, and handed to the file
  // worker before the one before is applied (one-ahead.ts).
  const fetchBatch = async (item: PlannedBatch, handOff: HandOff) => {
    let staging: Promise<StagedBatch>;
    let sha: string;
    let bytes: number;
    if (toFile && !item.body) {
      const download = await downloadToFile(item, toFile);
      ({ sha, bytes } = download);
      staging = stageSavedBatch({ gzipPath: download.gzipPath }, item.key, { latest: ctx.db.joining() });
    } else {
      const response = item.body ? { status: 'ok' as const, body: item.body } : await getWhole(ctx.remote, item.key, item.bytes);
      if (response.status !== 'ok') throw missing(item);
      sha = sha256Hex(response.body);
      bytes = response.body.length;
      checkHash(item, sha);
      staging = stageBatch(await openIfSealed(ctx, response.body, item.key), item.key, { latest: ctx.db.joining() });
    }
    handOff(); // with the file worker from here
    const batch = await staging;
    return { batch, sha, key: item.key, bytes, close: () => batch.close() };
  };
  for await (const fetched of oneAhead(plan, fetchBatch)) {
    const { batch } = fetched;
    try {
      const applied = applyBatch(ctx, replica, row, batch, position, head, fetched.sha, fetched.key);
      if (applied === null) break; // uploaded, but its head update has not landed yet
      position = applied;
    } finally {
      fetched.close();
    }
    pulled += batch.meta.count;
    ctx.onProgress({ phase: 'pull', replica, done: pulled, total: Math.max(total, pulled), bytes: fetched.bytes });
  }

  if (position.last === head.last && position.chain !== head.chain) {
    throw corrupt(`replicas/${replica}.json`, 'its batch chain does not match the batches it lists');
  }
  if (position.last !== head.last) throw corrupt(`batches/${replica}/`, 'batches between what we hold and its head are missing');
  return pulled;
}

/** Checks a batch against the chain and the clock, and applies it with our new position; null when it is beyond the head. */
function applyBatch(ctx: PullContext, replica: string, row: ReplicaRow, batch: StagedBatch, position: Position, head: Head, sha: string, key: string): Position | null {
  const corrupt = (reason: string) => new TidemarkError({ kind: 'corrupt-file', file: key, reason, hint: 'That replica must push again; its changes wait until then.' });
  if (batch.meta.author !== replica) throw corrupt(`written as replica ${batch.meta.author}`);
  if (batch.meta.dataset_uuid !== ctx.datasetUuid) throw corrupt('from another dataset');
  if (batch.meta.prev_sha256 !== position.sha) throw corrupt('it does not follow the previous batch (chain broken)');
  if (position.last !== null && batch.meta.first <= position.last) throw corrupt('it overlaps changes already applied');
  if (head.last !== null && batch.meta.last > head.last) return null;
  // Changes stamped far in the future would drag our clock along: hold them for the person.
  const aheadMs = (timeOfId(batch.meta.last) ?? 0) - ctx.now();
  if (aheadMs > CLOCK_QUARANTINE_MS && !(row.clock_accepted_until && row.clock_accepted_until >= batch.meta.last)) {
    throw new TidemarkError({
      kind: 'clock-ahead',
      replica,
      aheadMs,
      hint: `Check that device's date and time. If its changes are right, accept them: tidemark accept-clock <db> ${replica}`,
    });
  }

  const next: Position = { last: batch.meta.last, count: position.count + batch.meta.count, sha, chain: extendChain(position.chain, sha) };
  ctx.db.applyFile(batch, (applied) => {
    saveAppliedPosition(ctx.db.sqlite, replica, { last: next.last!, count: next.count, sha: next.sha, chain: next.chain });
    const warning = applied.warnings[0];
    saveClockWarning(ctx.db.sqlite, replica, warning ? `Its clock is ${Math.round(warning.aheadMs / 60000)} minutes ahead of this device's` : null);
  });
  return next;
}

/**
 * The batches after `position`. From the signed head's list when it covers
 * the gap: each file is then checked against its listed hash. Otherwise by
 * LIST, and then every file is fetched and the chain checked against the
 * signed head before any of it is applied: a forged file could otherwise link
 * itself into the chain.
 */
async function planBatches(ctx: PullContext, replica: string, head: Head, position: Position): Promise<PlannedBatch[]> {
  const after = head.batches.filter((b) => position.last === null || b.first > position.last);
  const covered = after.reduce((n, b) => n + b.count, 0) === head.count - position.count;
  if (covered) return after.map((b) => ({ key: descriptorKey(replica, b.file), sha256: b.sha256, count: b.count, bytes: b.bytes }));

  const prefix = `batches/${replica}/`;
  const nameOf = (key: string) => /^([0-9a-f-]{36})_([0-9a-f-]{36})\.db\.gz$/.exec(key.slice(prefix.length));
  const listBatches = () => ctx.remote.list(prefix, { startAfter: position.last ? `${prefix}${position.last}` : undefined });
  const reachesHead = (objects: readonly RemoteObject[]) => objects.some((object) => nameOf(object.key)?.[2] === head.last);
  // Not tied to the head: a listing cut short twice, or a file that was listed and then
  // not there, may read whole at the next sync.
  const missing = () =>
    new TidemarkError({
      kind: 'corrupt-file',
      file: prefix,
      reason: 'batches between what we hold and its head are missing',
      hint: 'They are looked for again at the next sync. If this persists, they were cleaned up or lost: a snapshot of that replica bridges the gap.',
      again: true,
    });
  let listed = await listBatches();
  // A listing can come back cut short in transit: once more at once, before anything is downloaded.
  if (!reachesHead(listed)) listed = await listBatches();
  if (!reachesHead(listed)) throw missing();
  const plan: PlannedBatch[] = [];
  let chain = position.chain;
  let reached = false;
  for (const object of listed) {
    const name = nameOf(object.key);
    if (!name || head.last === null || name[2]! > head.last) continue;
    const response = await getWhole(ctx.remote, object.key, object.size);
    if (response.status !== 'ok') continue;
    const sha256 = sha256Hex(response.body);
    chain = extendChain(chain, sha256);
    plan.push({ key: object.key, sha256, body: response.body });
    if (name[2] === head.last) {
      reached = true;
      break;
    }
  }
  if (!reached) throw missing();
  if (chain !== head.chain) {
    throw new TidemarkError({
      kind: 'corrupt-file',
      file: prefix,
      reason: 'its batch files do not match the chain its signed head names',
      hint: 'That replica must push again; its changes wait until then.',
    });
  }
  return plan;
}
