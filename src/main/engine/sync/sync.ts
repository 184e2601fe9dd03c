// One sync: LIST replicas/ once, pull what changed, push what is ours, and
// report what it cost. A sync with nothing to do costs exactly that one LIST.

import type { SyncSummary } from '../../../shared/types';
import type { TidemarkDatabase } from '../database';
import { countUsage } from '../remote/counting-remote';
import { withRetries, type RetryOptions } from '../remote/retrying-remote';
import type { Remote } from '../remote/remote';
import { META, readMeta } from '../schema';
import { ensureDataset } from './dataset';
import { replicaOfHeadKey } from './head';
import { pull } from './pull';
import { push } from './push';
import { readPushState, writePushState } from './sync-state';
import type { SecretStore } from '../secrets/secret-store';
import { loadOrCreateKeys } from '../trust/keys';
import { createDataKey, heldEpochs } from '../crypto/data-keys';

export interface SyncProgress {
  /** 'index': a joining device building its log's by-attribute index after the last file it pulled. */
  phase: 'push' | 'pull' | 'index';
  replica?: string;
  /** Changes done so far in this phase (for this replica when pulling; all it pulled when indexing). */
  done: number;
  total: number;
  /** Bytes of the file just transferred. */
  bytes: number;
}

export type SyncProblem = SyncSummary['problems'][number];

export type SyncReport = SyncSummary;

export interface SyncOptions {
  onProgress?: (progress: SyncProgress) => void;
  now?: () => number;
  /** Where this replica's private keys and the trusted replicas' public keys live. */
  secrets: SecretStore;
  /** Found the dataset end-to-end encrypted, when this sync creates it. */
  encrypt?: boolean;
  /** Snapshot policy: 'auto' (after AUTO_SNAPSHOT_CHANGES), 'force' (tidemark snapshot), 'never'. */
  snapshot?: 'auto' | 'force' | 'never';
  /** How transient remote failures are retried (tests make it fast). */
  retry?: RetryOptions;
  /** Changes per batch file; tests make it small to exercise splitting. */
  maxBatchChanges?: number;
}

export async function syncDatabase(db: TidemarkDatabase, target: Remote, options: SyncOptions): Promise<SyncReport> {
  const now = options.now ?? (() => db.clock.now());
  const started = now();
  // Retries go around the counter: every request really sent is counted.
  const counted = countUsage(target);
  const usage = counted.usage;
  const remote = withRetries(counted.remote, { ...options.retry, onRetry: (info) => warnings.push(`Retried after: ${info.error.message}`) });
  const onProgress = options.onProgress ?? (() => {});
  const warnings: string[] = [];
  const keys = await loadOrCreateKeys(options.secrets, db.uuid);
  db.refresh();

  const listing = await remote.list('replicas/');
  const own = listing.find((object) => replicaOfHeadKey(object.key) === db.uuid);
  let datasetUuid = readMeta(db.sqlite, META.datasetUuid);
  let reseed = false;
  if (datasetUuid === null || own === undefined) {
    datasetUuid = await ensureDataset(db, remote, now(), {
      encrypt: options.encrypt ?? false,
      onFounded: async (dataset, encrypted) => {
        // A new or wiped remote, founded by a device that holds others' changes: re-seed it with a snapshot.
        reseed = hasOthersChanges(db);
        if (encrypted && (await heldEpochs(options.secrets, dataset)).length === 0) await createDataKey(options.secrets, dataset, db.hlc.next());
      },
    });
    if (reseed) warnings.push(`${remote.url} was empty: re-seeded it from this device's log.`);
    const state = readPushState(db.sqlite);
    if (own === undefined && state.last !== null) {
      // Our head is gone (a wiped remote, or a new one): keep our position and
      // chain, and publish a snapshot that covers what the lost batches held.
      if (!reseed) warnings.push(`This device's files were missing from ${remote.url}: re-seeded it from this device's log.`);
      reseed = true;
      db.transaction(() => writePushState(db.sqlite, { ...state, headEtag: null, batches: [], snapshot: null }));
    }
  }

  const encrypted = readMeta(db.sqlite, META.datasetEncrypted) === '1';
  const pulled = await pull({ db, remote, datasetUuid, now, onProgress, secrets: options.secrets, keys, encrypted }, listing);
  for (const replica of pulled.waitingForKey) {
    warnings.push(`Changes of replica ${replica} wait for this device to receive the dataset's key (an approved device sends it when it syncs).`);
  }
  const pushed = await push({ db, remote, datasetUuid, onProgress, keys, secrets: options.secrets, encrypted, warnings, listedEtag: own?.etag, reportsAboutUs: pulled.reportsAboutUs, maxBatchChanges: options.maxBatchChanges, snapshot: reseed ? 'force' : options.snapshot });

  return {
    pushed,
    pulled: pulled.pulled,
    requests: usage.requests,
    bytesUp: usage.bytesUp,
    bytesDown: usage.bytesDown,
    replicas: pulled.replicas,
    problems: pulled.problems,
    pending: pulled.pending,
    warnings,
    durationMs: now() - started,
  };
}

function hasOthersChanges(db: TidemarkDatabase): boolean {
  return db.sqlite.prepare('SELECT 1 FROM ZV_TRANSACTION WHERE author != ? LIMIT 1').get(db.uuid) !== undefined;
}
