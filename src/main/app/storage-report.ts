// What the remote holds and what garbage collection would free, over the
// engine's planGc/runGc. The plan is always computed here from the remote:
// the UI asks for "collect now", it never hands main a list of keys to delete.

import type { StorageReport } from '../../shared/sync-types';
import type { TidemarkDatabase } from '../engine/database';
import { timeOfId } from '../engine/hlc';
import type { Remote, RemoteObject } from '../engine/remote';
import { DEFAULT_GC_GRACE_MS, planGc, runGc, type GcPlan } from '../engine/sync/gc';
import { readPushState } from '../engine/sync/sync-state';

/** Files listed in a report; the count and bytes cover all of them. */
const LISTED_FILES = 200;

export const DEFAULT_GRACE_HOURS = DEFAULT_GC_GRACE_MS / 3_600_000;

export async function storageReport(db: TidemarkDatabase, remote: Remote, graceHours = DEFAULT_GRACE_HOURS): Promise<StorageReport & { plan: GcPlan }> {
  const objects = await remote.list('');
  const plan = await planGc(db, remote, { graceMs: graceHours * 3_600_000 });
  const snapshot = readPushState(db.sqlite).snapshot;
  return {
    files: objects.length,
    bytes: sum(objects),
    breakdown: {
      batches: sum(objects.filter((o) => o.key.startsWith('batches/'))),
      snapshots: sum(objects.filter((o) => o.key.startsWith('snapshots/'))),
      heads: sum(objects.filter((o) => o.key.startsWith('replicas/'))),
      other: sum(objects.filter((o) => !/^(batches|snapshots|replicas)\//.test(o.key))),
    },
    gc: {
      files: plan.deletions.slice(0, LISTED_FILES).map((d) => ({ key: d.key, bytes: d.bytes, reason: d.reason })),
      count: plan.deletions.length,
      bytes: plan.bytes,
      coveredUpTo: plan.coveredUpTo,
      graceHours,
    },
    snapshot: snapshot ? { file: snapshot.file, time: timeOfId(snapshot.last), changes: snapshot.count, bytes: snapshot.bytes } : null,
    plan,
  };
}

/** Deletes what a fresh plan lists, and reports the remote afterwards. */
export async function collectGarbage(
  db: TidemarkDatabase,
  remote: Remote,
  graceHours = DEFAULT_GRACE_HOURS,
): Promise<{ deleted: number; bytes: number; report: StorageReport }> {
  const { plan } = await storageReport(db, remote, graceHours);
  const deleted = await runGc(db, remote, plan);
  const { plan: _after, ...report } = await storageReport(db, remote, graceHours);
  return { deleted, bytes: plan.bytes, report };
}

function sum(objects: RemoteObject[]): number {
  return objects.reduce((n, o) => n + o.size, 0);
}
