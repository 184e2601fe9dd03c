// Push (DESIGN.md 4.2): own changes after our head's `last` go into immutable
// batch files uploaded create-only, then the head moves by compare-and-swap.
// A crash between the two is harmless: the push intent makes the retry
// rebuild exactly the batches already uploaded, and create-only finds them.

import { TidemarkError } from '../../../shared/errors';
import type { Change } from '../../../shared/types';
import type { TidemarkDatabase } from '../database';
import type { Remote } from '../remote/remote';
import { batchKey, decodeBatch, encodeBatch, MAX_BATCH_BYTES, MAX_BATCH_CHANGES, type EncodedBatch } from './batch-file';
import { extendChain, sha256Hex } from './hash';
import { canonicalJson } from './canonical-json';
import { decodeHead, encodeHead, HEAD_BATCH_LIMIT, headKey, signedBytes, type Head } from './head';
import { signBytes, type ReplicaKeys } from '../trust/keys';
import { ourEndorsements, readTrustedKeys } from '../trust/trust';
import { heldEpochs, readDataKey, sealFile, wrapDataKey, type WrappedKey } from '../crypto/data-keys';
import type { SecretStore } from '../secrets/secret-store';
import { isSnapshotDue, uploadSnapshot } from './snapshot';
import { markReportsHandled, readOurReports, sortReports, type ReportAboutUs } from './damage-reports';
import { mendOwnBatches } from './mend-batches';
import { countOwnAfter, countOwnUpTo, readOwnChanges } from './own-changes';
import { readPushIntent, readPushState, readReplica, writePushIntent, writePushState, type PushState } from './sync-state';
import type { SyncProgress } from './sync';

export interface PushContext {
  db: TidemarkDatabase;
  remote: Remote;
  datasetUuid: string;
  onProgress(progress: SyncProgress): void;
  keys: ReplicaKeys;
  secrets: SecretStore;
  /** The dataset is end-to-end encrypted: batches are sealed, keys wrapped for trusted replicas. */
  encrypted: boolean;
  warnings: string[];
  /** 'auto' publishes a snapshot after AUTO_SNAPSHOT_CHANGES; 'force' always; 'never' for tests. */
  snapshot?: 'auto' | 'force' | 'never';
  /** Changes per batch file (default MAX_BATCH_CHANGES); small in tests. */
  maxBatchChanges?: number;
  /** Our head's etag in this sync's listing, when it is there. */
  listedEtag?: string;
  /** Our batch files that trusted replicas report damaged (pull.ts). */
  reportsAboutUs?: ReportAboutUs[];
}

export async function push(ctx: PushContext): Promise<number> {
  const { db, remote } = ctx;
  let state = readPushState(db.sqlite);
  const intent = readPushIntent(db.sqlite);
  const sealing = ctx.encrypted ? await currentDataKey(ctx) : null;
  const total = ctx.encrypted && !sealing ? 0 : countOwnAfter(db, state.last);
  if (ctx.encrypted && !sealing) {
    ctx.warnings.push('This device has not received the dataset\'s key yet, so its changes wait here: approve it on a trusted device.');
  }
  const wrappedKeys = ctx.encrypted ? await wrapKeysForTrusted(ctx) : [];
  // Nothing new, and our head is as we left it and still says what it should: no request at all.
  const headInputs = headInputsDigest(ctx, wrappedKeys);
  const headAsLeft = state.headEtag !== null && ctx.listedEtag === state.headEtag && state.headInputs === headInputs;
  // Reported files are mended before anything new goes up.
  const reports = ctx.reportsAboutUs ?? [];
  const { unhandled: toMend, first: firstReported } = sortReports(db.sqlite, reports);
  const mend = toMend.length > 0 ? await mendReported(ctx, state, toMend) : { mended: 0, unmendable: 0 };
  // What cannot be mended a snapshot bridges, unless ours already holds all we had pushed (reports cannot make us upload the log again and again).
  const bridgeBySnapshot = mend.unmendable > 0 && !((state.snapshot?.covers[db.uuid] ?? '') >= (state.last ?? ''));
  // A new head has the readers try again: after a file was mended, or the first time it was
  // reported (it may have been whole all along). Reported again though whole, the fault is
  // the reader's copy or its downloads, and another head would only start the round again.
  const answer = mend.mended > 0 || bridgeBySnapshot || firstReported.length > 0;
  if (total === 0 && headAsLeft && intent === null && ctx.snapshot !== 'force' && !answer) {
    markReportsHandled(db, reports);
    return 0;
  }

  let pushed = 0;
  // Batches an earlier push uploaded are cut again at the same changes: two
  // failed pushes of one batch each once came back as one batch of both, and a
  // replica that had applied the first could never follow the new chain.
  const uploaded = intent ? [...(intent.boundaries ?? [intent.last])] : [];
  for (; total > 0 || intent !== null; ) {
    const upTo = uploaded.find((last) => state.last === null || last > state.last) ?? null;
    const changes = readOwnChanges(db, state.last, upTo, ctx.maxBatchChanges ?? MAX_BATCH_CHANGES);
    if (changes.length === 0) break;
    const plain = encodeWithinSize(changes, { dataset_uuid: ctx.datasetUuid, author: db.uuid, prev_sha256: state.lastSha });
    const batch = sealing ? sealBatch(plain, sealing) : plain;
    const key = batchKey(db.uuid, batch.meta.first, batch.meta.last);
    if (!uploaded.includes(batch.meta.last)) uploaded.push(batch.meta.last);
    uploaded.sort();
    db.transaction(() => writePushIntent(db.sqlite, { last: uploaded[uploaded.length - 1]!, boundaries: uploaded }));
    const sha256 = await upload(remote, key, batch, db.uuid);
    state = {
      ...state,
      last: batch.meta.last,
      count: state.count + batch.meta.count,
      chain: extendChain(state.chain, sha256),
      lastSha: sha256,
      batches: [...state.batches, { file: key, first: batch.meta.first, last: batch.meta.last, count: batch.meta.count, bytes: batch.bytes.length, sha256 }].slice(-HEAD_BATCH_LIMIT),
    };
    pushed += batch.meta.count;
    ctx.onProgress({ phase: 'push', done: pushed, total: Math.max(total, pushed), bytes: batch.bytes.length });
  }

  const mode = bridgeBySnapshot ? 'force' : (ctx.snapshot ?? 'auto');
  if (mode === 'force' || (mode === 'auto' && isSnapshotDue(db, state))) {
    const snapshot = await uploadSnapshot(ctx, state);
    if (snapshot) state = { ...state, snapshot };
  }
  const headEtag = await writeHead(ctx, state, wrappedKeys);
  db.transaction(() => {
    writePushState(db.sqlite, { ...state, headEtag, headInputs });
    writePushIntent(db.sqlite, null);
  });
  markReportsHandled(db, reports);
  return pushed;
}

/** Uploads again the reported files it can (mend-batches.ts); counts those mended and those a snapshot must bridge. */
async function mendReported(ctx: PushContext, state: PushState, reports: readonly ReportAboutUs[]): Promise<{ mended: number; unmendable: number }> {
  const { mended, unmendable } = await mendOwnBatches(ctx, state.batches, reports.map((report) => report.file));
  const by = [...new Set(reports.map((report) => readReplica(ctx.db.sqlite, report.reporter)?.name || report.reporter))].join(', ');
  if (mended.length > 0) ctx.warnings.push(`Uploaded again ${mended.length} of this device's batch files that were damaged or missing on the remote (reported by ${by}).`);
  if (unmendable.length > 0) {
    ctx.warnings.push(
      `${unmendable.length} of this device's batch files on the remote are damaged and cannot be rebuilt byte for byte here (${unmendable.join(', ')}); other devices catch up from this device's snapshot instead, published now if the newest does not hold them.`,
    );
  }
  return { mended: mended.length, unmendable: unmendable.length };
}

/**
 * The other replicas' files we found damaged, for their authors (damage-reports.ts);
 * absent when none, so heads and digests from before reports existed stay as they were.
 */
function damagedField(db: TidemarkDatabase): Pick<Head, 'damaged'> {
  const damaged = readOurReports(db.sqlite);
  return damaged.length > 0 ? { damaged } : {};
}

/** How far we applied each other replica: lets others see who still needs what. */
function appliedPositions(db: TidemarkDatabase): Record<string, string> {
  const rows = db.sqlite.prepare('SELECT replica, applied_last FROM ZV_REPLICA WHERE applied_last IS NOT NULL ORDER BY replica').raw(true).all() as Array<[string, string]>;
  return Object.fromEntries(rows);
}

function headInputsDigest(ctx: PushContext, wrappedKeys: WrappedKey[]): string {
  const keys = wrappedKeys.map((k) => `${k.epoch}/${k.replica}`); // wrapping is randomized: compare what, not how
  return sha256Hex(canonicalJson({ name: ctx.db.name(), keys: ctx.keys.public, endorsements: ourEndorsements(ctx.db), wrapped: keys, ...damagedField(ctx.db) }));
}

interface SealingKey {
  epoch: string;
  key: Buffer;
}

async function currentDataKey(ctx: PushContext): Promise<SealingKey | null> {
  const epochs = await heldEpochs(ctx.secrets, ctx.datasetUuid);
  const epoch = epochs[epochs.length - 1];
  const key = epoch ? await readDataKey(ctx.secrets, ctx.datasetUuid, epoch) : null;
  return epoch && key ? { epoch, key } : null;
}

function sealBatch(batch: EncodedBatch, sealing: SealingKey): EncodedBatch {
  const bytes = sealFile(batch.bytes, sealing.epoch, sealing.key);
  return { meta: batch.meta, bytes, sha256: sha256Hex(bytes) };
}

/** Every data key we hold, wrapped for every replica we trust (never for a revoked one). */
async function wrapKeysForTrusted(ctx: PushContext): Promise<WrappedKey[]> {
  const epochs = await heldEpochs(ctx.secrets, ctx.datasetUuid);
  if (epochs.length === 0) return [];
  const trusted = ctx.db.sqlite.prepare("SELECT replica FROM ZV_REPLICA WHERE state = 'trusted' ORDER BY replica").pluck().all() as string[];
  const wrapped: WrappedKey[] = [];
  for (const replica of trusted) {
    const keys = await readTrustedKeys(ctx.secrets, ctx.db, replica);
    if (!keys) continue;
    for (const epoch of epochs) {
      const key = await readDataKey(ctx.secrets, ctx.datasetUuid, epoch);
      if (key) wrapped.push(wrapDataKey(key, epoch, replica, keys.agreement, ctx.keys.agreementPrivate));
    }
  }
  return wrapped;
}

// Splits a batch whose file would pass the size limit (DESIGN.md 4.2: e.g. 64 MB).
function encodeWithinSize(changes: Change[], header: Parameters<typeof encodeBatch>[1]): EncodedBatch {
  let slice = changes;
  for (;;) {
    const batch = encodeBatch(slice, header);
    if (batch.bytes.length <= MAX_BATCH_BYTES || slice.length === 1) return batch;
    slice = slice.slice(0, Math.ceil(slice.length / 2));
  }
}

async function upload(remote: Remote, key: string, batch: EncodedBatch, self: string): Promise<string> {
  const put = await remote.putIfAbsent(key, batch.bytes);
  if (put.status === 'ok') return batch.sha256;
  // The file exists: our own upload from a push that crashed before its head
  // update, or another copy of this database writing as us.
  const existing = await remote.get(key);
  if (existing.status === 'ok') {
    const sha = sha256Hex(existing.body);
    if (sha === batch.sha256) return sha;
    let theirs;
    try {
      theirs = decodeBatch(existing.body, key);
    } catch {
      // A damaged file under our own name (a write cut short): nobody can use
      // it, so put ours in its place.
      await remote.delete(key);
      const again = await remote.putIfAbsent(key, batch.bytes);
      if (again.status === 'ok') return batch.sha256;
      throw identityConflict(self);
    }
    if (theirs.meta.author === self && sameChanges(theirs.changes, batch)) return sha;
  }
  throw identityConflict(self);
}

function sameChanges(theirs: Change[], ours: EncodedBatch): boolean {
  return theirs.length === ours.meta.count && theirs[0]?.id === ours.meta.first && theirs[theirs.length - 1]?.id === ours.meta.last;
}

async function writeHead(ctx: PushContext, state: PushState, wrappedKeys: WrappedKey[]): Promise<string> {
  const { db, remote } = ctx;
  const unsigned: Head = {
    format: 1,
    dataset_uuid: ctx.datasetUuid,
    replica: db.uuid,
    name: db.name(),
    public_key: ctx.keys.public.signing,
    agreement_key: ctx.keys.public.agreement,
    written: db.hlc.next(),
    last: state.last,
    count: state.count,
    batches: state.batches,
    chain: state.chain,
    endorsements: ourEndorsements(db),
    snapshot: state.snapshot ?? null,
    acks: appliedPositions(db),
    ...damagedField(db),
    ...(ctx.encrypted ? { keys: wrappedKeys } : {}),
  };
  const head: Head = { ...unsigned, signature: signBytes(signedBytes(unsigned), ctx.keys.signingPrivate) };
  const key = headKey(db.uuid);
  const body = encodeHead(head);
  let etag = state.headEtag;
  for (let attempt = 0; attempt < 2; attempt++) {
    const put = etag === null ? await remote.putIfAbsent(key, body) : await remote.putIfMatch(key, body, etag);
    if (put.status === 'ok') return put.etag;
    // The head moved under us. If what is there is an older head of our own
    // (we crashed after writing it, before recording its etag), take its etag
    // and try once more; anything else is another writer with our identity.
    const current = await remote.get(key);
    if (current.status === 'missing') {
      etag = null;
      continue;
    }
    if (current.status !== 'ok') break;
    const theirs = readOwnHead(current.body, key, ctx.datasetUuid, db.uuid);
    if (theirs === 'damaged') {
      // Only we write this head; a damaged one is repaired by writing ours over it.
      etag = current.etag;
      continue;
    }
    if (!isOwnEarlierHead(db, theirs, state)) throw identityConflict(db.uuid);
    if (theirs.last === state.last && theirs.chain === state.chain && theirs.name === head.name) return current.etag;
    etag = current.etag;
  }
  throw new TidemarkError({ kind: 'head-moved', replica: db.uuid, hint: 'Another sync of this database ran at the same time; sync again.' });
}

function readOwnHead(body: Uint8Array, key: string, datasetUuid: string, self: string): Head | 'damaged' {
  try {
    return decodeHead(body, key, { replica: self, datasetUuid }).head;
  } catch (error) {
    if (error instanceof TidemarkError && error.detail.kind === 'corrupt-file') return 'damaged';
    throw error;
  }
}

/** Whether a head found on the remote describes a prefix of what we pushed. */
function isOwnEarlierHead(db: TidemarkDatabase, head: Head, state: PushState): boolean {
  if (head.last === null) return true;
  if (state.last === null || head.last > state.last) return false;
  const held = db.sqlite
    .prepare('SELECT t.author FROM ZV_CHANGE c JOIN ZV_TRANSACTION t ON t.id = c.transaction_id WHERE c.id = ?')
    .pluck()
    .get(head.last);
  return held === db.uuid && countOwnUpTo(db, head.last) === head.count;
}

export function identityConflict(replica: string): TidemarkError {
  return new TidemarkError({
    kind: 'identity-conflict',
    replica,
    hint: 'This database file seems to be a copy of one on another device. Nothing was pushed. Give this copy its own identity with `tidemark reidentify <db>`, then sync again.',
  });
}
