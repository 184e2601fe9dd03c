// Pull (DESIGN.md 4.1): one LIST of replicas/ (done by the caller), a GET of
// each head whose ETag changed, then for each replica ahead of us its batches
// in order, each verified (sha256, chain link) and applied in one SQLite
// transaction together with its cursor. A bad replica is quarantined with
// the reason and the others go on; a remote that fails stops the sync.

import { describeError, TidemarkError } from '../../../shared/errors';
import type { TidemarkDatabase } from '../database';
import type { Remote, RemoteObject } from '../remote/remote';
import { MAX_BATCH_CHANGES, stageBatch, stageSavedBatch, type StagedBatch } from './batch-file';
import { newDownloadPath, removeInflated } from './change-file';
import { ahead, type HandOff } from './ahead';
import { warmFileWorker } from './file-worker';
import { checkpointOffThread } from './wal-checkpoint';
import { sortWhileWaiting } from './shared-sort';
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
import { damagedBatchOf, readOurReports, REPORTED_HINT, reportsAboutUs, writeOurReports, type ReportAboutUs } from './damage-reports';

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
  /** Our own batch files that trusted replicas found damaged on the remote (push mends them). */
  reportsAboutUs: ReportAboutUs[];
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
  const indexed = ctx.db.endBulkLoad((changes) => ctx.onProgress({ phase: 'index', done: 0, total: changes, bytes: 0 }), {
    checkpointElsewhere: checkpointOffThread,
  });
  if (indexed !== null) ctx.onProgress({ phase: 'index', done: indexed, total: indexed, bytes: 0 });
}

async function pullTrusted(ctx: PullContext, listing: RemoteObject[]): Promise<PullResult> {
  const { db } = ctx;
  const known = readReplicas(db.sqlite);
  const result: PullResult = { pulled: 0, replicas: 0, problems: [], pending: [], waitingForKey: [], reportsAboutUs: [] };
  const heads = new Map<string, ReadHead>();
  // A batch file found damaged is named in our head, so its author uploads it again.
  const reports = new Map(readOurReports(db.sqlite).map((r) => [r.replica, r]));
  const quarantine = (replica: string, etag: string | null, error: TidemarkError | { message: string; hint: string }) => {
    const message = error instanceof TidemarkError ? describeError(error.detail) : error.message;
    const damaged = damagedBatchOf(replica, error);
    const read = heads.get(replica);
    if (damaged) reports.set(replica, { replica, file: damaged, seen: read?.head.written ?? read?.etag ?? etag ?? '' });
    else reports.delete(replica);
    const hint = damaged ? REPORTED_HINT : error instanceof TidemarkError ? error.detail.hint : error.hint;
    // Tied to the head's etag, a problem waits for that replica to write again; one that
    // may pass (a download cut short) is tied to nothing, so the next sync tries again.
    const again = error instanceof TidemarkError && error.detail.kind === 'corrupt-file' && error.detail.again === true;
    db.transaction(() => saveProblem(db.sqlite, replica, message, again ? null : etag));
    result.problems.push({ replica, message, hint });
  };

  // 1. Read every head that changed since the last sync. A trusted replica
  //    that wrote has batches to check: the file worker starts meanwhile.
  if (listing.some((object) => wroteSince(known.get(replicaOfHeadKey(object.key) ?? ''), object))) warmFileWorker();
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
  result.reportsAboutUs = reportsAboutUs(db.uuid, [...verified].map((replica) => ({ replica, ...heads.get(replica)! })));

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

  // 5. Apply the batches of trusted replicas, all in one pipeline (pullReplicas).
  const trusted = [...verified].filter((replica) => stateOf(db, replica) === 'trusted'); // not revoked by an endorsement read after its head
  const ended = await pullReplicas(ctx, trusted.map((replica) => ({ replica, head: heads.get(replica)!.head })));
  for (const { replica, pulled, error } of ended) {
    result.pulled += pulled;
    if (error === undefined) {
      reports.delete(replica);
      continue;
    }
    try {
      // Its old batches were cleaned up, or one is damaged: a snapshot that covers them bridges the gap.
      const bridge = isMissingBatches(error) || damagedBatchOf(replica, error) ? snapshotCovering(db, replica, withSnapshot) : undefined;
      if (!bridge) throw error;
      result.pulled += await applySnapshot(snapshotCtx, bridge.replica, bridge.head.snapshot!);
      const [again] = await pullReplicas(ctx, [{ replica, head: heads.get(replica)!.head }]);
      result.pulled += again!.pulled;
      if (again!.error !== undefined) throw again!.error;
      reports.delete(replica);
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
  // Reported while its problem stands: it ends when its author writes again and the retry passes.
  for (const replica of reports.keys()) {
    const row = readReplica(db.sqlite, replica);
    if (row?.state !== 'trusted' || row.problem === null) reports.delete(replica);
  }
  writeOurReports(db, reports);
  return result;
}

/** Whether a trusted replica's head changed since we read it. */
function wroteSince(row: ReplicaRow | undefined, head: RemoteObject): boolean {
  return row?.state === 'trusted' && row.head_etag !== head.etag;
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

/** How one replica's pull ended: the changes it applied, and the fault that stopped it. */
interface ReplicaPulled {
  replica: string;
  pulled: number;
  /** A fault of that replica's (isReplicaLevel); any other error stops the whole pull. */
  error?: unknown;
}

/** One replica's part of a pull while its batches go through the pipeline. */
interface ReplicaPull extends ReplicaPulled {
  head: Head;
  row: ReplicaRow;
  position: Position;
  plan: PlannedBatch[];
  /** Changes the head lists beyond what we held. */
  total: number;
  /** A batch beyond the head, or a fault: its later batches are skipped. */
  done: boolean;
}

/**
 * Changes handed to the file worker ahead of the batch being applied
 * (ahead.ts): the next batch always, and those after it while they add up to
 * two and a half full batches. Two full batches, so a file that is slow to
 * check or to apply (a checkpoint in its commit) does not stall the other
 * thread; and a small batch or a replica's last one fits beside them.
 */
export const CHANGES_AHEAD = (MAX_BATCH_CHANGES * 5) / 2;

/**
 * Pulls the batches of each replica after what we hold, in order, each
 * verified and applied in a transaction of its own. The batches of all the
 * replicas go through one pipeline, so the next replica's first file is
 * checked while the last one's apply; a fault of one replica stops only its
 * own batches. A replica whose head does not list its batches is planned by
 * LIST, which downloads them, and goes through the pipeline alone.
 */
async function pullReplicas(ctx: PullContext, targets: ReadonlyArray<{ replica: string; head: Head }>): Promise<ReplicaPulled[]> {
  const pulls: ReplicaPull[] = [];
  const fromHeads: ReplicaPull[] = [];
  const byList: ReplicaPull[] = [];
  for (const { replica, head } of targets) {
    const row = readReplica(ctx.db.sqlite, replica)!;
    const position: Position = { last: row.applied_last, count: row.applied_count, sha: row.applied_sha, chain: row.applied_chain };
    const pull: ReplicaPull = { replica, pulled: 0, head, row, position, plan: [], total: head.count - position.count, done: false };
    pulls.push(pull);
    if (head.last === null || (position.last !== null && head.last <= position.last)) continue;
    const plan = planFromHead(replica, head, position);
    if (plan) {
      pull.plan = plan;
      fromHeads.push(pull);
    } else byList.push(pull);
  }
  await applyPlanned(ctx, fromHeads);
  for (const pull of byList) {
    try {
      pull.plan = await planByList(ctx, pull.replica, pull.head, pull.position);
    } catch (error) {
      endWith(pull, error);
      continue;
    }
    await applyPlanned(ctx, [pull]);
  }
  return pulls.map(({ replica, pulled, error }) => ({ replica, pulled, ...(error === undefined ? {} : { error }) }));
}

/** Ends a replica's pull with a fault of its own; any other error goes on up and stops the pull. */
function endWith(pull: ReplicaPull, error: unknown): void {
  if (!isReplicaLevel(error)) throw error;
  pull.error ??= error;
  pull.done = true;
}

/** A file of a replica's that is wrong as it stands on the remote: only that replica can mend it. */
function pushAgain(file: string, reason: string): TidemarkError {
  return new TidemarkError({ kind: 'corrupt-file', file, reason, hint: 'That replica must push again; its changes wait until then.' });
}

/** Faults that stop one replica's pull, not the others'. */
function isReplicaLevel(error: unknown): boolean {
  return error instanceof MissingDataKey || (error instanceof TidemarkError && isReplicaFault(error));
}

/** Fetches and applies the planned batches of `pulls` in one pipeline, then checks each replica reached its head. */
async function applyPlanned(ctx: PullContext, pulls: readonly ReplicaPull[]): Promise<void> {
  const items = pulls.flatMap((pull) => pull.plan.map((batch) => ({ pull, batch })));
  type Fetched = { pull: ReplicaPull; got?: Awaited<ReturnType<typeof fetchBatch>>; error?: unknown; close(): void };
  const fetch = async ({ pull, batch }: (typeof items)[number], handOff: HandOff): Promise<Fetched> => {
    if (pull.done) return { pull, close: () => undefined }; // not downloaded at all
    try {
      const got = await fetchBatch(ctx, batch, handOff);
      return { pull, got, close: got.close };
    } catch (error) {
      return { pull, error, close: () => undefined };
    }
  };
  const limit = { budget: CHANGES_AHEAD, weight: ({ batch }: (typeof items)[number]) => batch.count ?? MAX_BATCH_CHANGES, whileWaiting: sortWhileWaiting };
  for await (const fetched of ahead(items, limit, fetch)) {
    const { pull, got } = fetched;
    try {
      if (pull.done) continue;
      if (fetched.error !== undefined) throw fetched.error;
      const applied = applyBatch(ctx, pull.replica, pull.row, got!.batch, pull.position, pull.head, got!.sha, got!.key);
      if (applied === null) {
        pull.done = true; // uploaded, but its head update has not landed yet
        continue;
      }
      pull.position = applied;
      pull.pulled += got!.batch.meta.count;
      ctx.onProgress({ phase: 'pull', replica: pull.replica, done: pull.pulled, total: Math.max(pull.total, pull.pulled), bytes: got!.bytes });
    } catch (error) {
      endWith(pull, error);
    } finally {
      fetched.close();
    }
  }
  for (const pull of pulls) {
    if (pull.error !== undefined) continue;
    const { replica, position, head } = pull;
    if (position.last === head.last && position.chain !== head.chain) {
      endWith(pull, pushAgain(`replicas/${replica}.json`, 'its batch chain does not match the batches it lists'));
    } else if (position.last !== head.last) {
      endWith(pull, pushAgain(`batches/${replica}/`, 'batches between what we hold and its head are missing'));
    }
  }
}

/**
 * Downloads one batch (straight to a file where the remote can, so no
 * download is ever a buffer here: dead buffers of many MB were most of a
 * pull's peak memory), checks it against the head, and hands it to the file
 * worker (`handOff`); resolves once the worker has checked it. A sealed batch
 * is opened in memory.
 */
async function fetchBatch(ctx: PullContext, item: PlannedBatch, handOff: HandOff) {
  const corrupt = (reason: string) => pushAgain(item.key, reason);
  const missing = () => corrupt('listed in its head but missing');
  /** Throws when a batch's bytes are not the ones its head names. */
  const checkHash = (sha: string) => {
    if (item.sha256 !== undefined && sha !== item.sha256) throw corrupt('its bytes do not match the hash in the head');
  };
  const { getToFile } = ctx.remote;
  const toFile = getToFile && !ctx.encrypted ? getToFile : null;
  let staging: Promise<StagedBatch>;
  let sha: string;
  let bytes: number;
  if (toFile && !item.body) {
    const download = await getWholeToFile(toFile, item.key, item.bytes);
    if (download === null) throw missing();
    try {
      sha = await sha256OfFile(download.path);
      checkHash(sha);
    } catch (error) {
      removeInflated(download.path);
      throw error;
    }
    bytes = download.bytes;
    staging = stageSavedBatch({ gzipPath: download.path }, item.key, { latest: ctx.db.joining() });
  } else {
    const response = item.body ? { status: 'ok' as const, body: item.body } : await getWhole(ctx.remote, item.key, item.bytes);
    if (response.status !== 'ok') throw missing();
    sha = sha256Hex(response.body);
    bytes = response.body.length;
    checkHash(sha);
    staging = stageBatch(await openIfSealed(ctx, response.body, item.key), item.key, { latest: ctx.db.joining() });
  }
  handOff(); // with the file worker from here
  const batch = await staging;
  return { batch, sha, key: item.key, bytes, close: () => batch.close() };
}

/** Checks a batch against the chain and the clock, and applies it with our new position; null when it is beyond the head. */
function applyBatch(ctx: PullContext, replica: string, row: ReplicaRow, batch: StagedBatch, position: Position, head: Head, sha: string, key: string): Position | null {
  const corrupt = (reason: string) => pushAgain(key, reason);
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
 * The batches after `position` from the signed head's list, when it covers
 * the gap: each file is then checked against its listed hash. Null when it
 * does not (planByList).
 */
function planFromHead(replica: string, head: Head, position: Position): PlannedBatch[] | null {
  const after = head.batches.filter((b) => position.last === null || b.first > position.last);
  const covered = after.reduce((n, b) => n + b.count, 0) === head.count - position.count;
  return covered ? after.map((b) => ({ key: descriptorKey(replica, b.file), sha256: b.sha256, count: b.count, bytes: b.bytes })) : null;
}

/**
 * The batches after `position` by LIST, where the head does not list them
 * all. Every file is fetched and the chain checked against the signed head
 * before any of it is applied: a forged file could otherwise link itself
 * into the chain.
 */
async function planByList(ctx: PullContext, replica: string, head: Head, position: Position): Promise<PlannedBatch[]> {
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
  if (chain !== head.chain) throw pushAgain(prefix, 'its batch files do not match the chain its signed head names');
  return plan;
}
