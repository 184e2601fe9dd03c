// Cleaning up the remote (DESIGN.md 4.4): an author deletes its own batch
// files that a trusted snapshot covers, and its own superseded snapshots,
// once they are older than a grace period. A replica that still needed a
// deleted batch catches up from the snapshot instead, so nothing is lost.

import type { TidemarkDatabase } from '../database';
import { timeOfId } from '../hlc';
import type { Remote } from '../remote/remote';
import type { Head } from './head';
import { readPushState, readReplicas, writePushState } from './sync-state';

/** Files younger than this are kept even when covered (default one week). */
export const DEFAULT_GC_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

export interface GcDeletion {
  key: string;
  bytes: number;
  reason: string;
}

export interface GcPlan {
  deletions: GcDeletion[];
  bytes: number;
  /** How far our changes are covered by a trusted snapshot (null: no snapshot yet). */
  coveredUpTo: string | null;
}

export async function planGc(db: TidemarkDatabase, remote: Remote, options: { graceMs?: number; now?: number } = {}): Promise<GcPlan> {
  const now = options.now ?? db.clock.now();
  const cutoff = now - (options.graceMs ?? DEFAULT_GC_GRACE_MS);
  const pushed = readPushState(db.sqlite);
  let coveredUpTo: string | null = pushed.snapshot?.covers[db.uuid] ?? null;
  for (const row of readReplicas(db.sqlite).values()) {
    if (row.state !== 'trusted' || !row.head) continue;
    const covered = (JSON.parse(row.head) as Head).snapshot?.covers[db.uuid];
    if (covered && (coveredUpTo === null || covered > coveredUpTo)) coveredUpTo = covered;
  }
  const old = (id: string) => (timeOfId(id) ?? now) < cutoff;
  const deletions: GcDeletion[] = [];
  if (coveredUpTo !== null) {
    for (const object of await remote.list(`batches/${db.uuid}/`)) {
      const last = /_([0-9a-f-]{36})\.db\.gz$/.exec(object.key)?.[1];
      if (last && last <= coveredUpTo && old(last)) deletions.push({ key: object.key, bytes: object.size, reason: 'covered by a snapshot' });
    }
  }
  for (const object of await remote.list(`snapshots/${db.uuid}/`)) {
    const last = /\/([0-9a-f-]{36})\.db\.gz$/.exec(object.key)?.[1];
    if (last && object.key !== pushed.snapshot?.file && pushed.snapshot && last < pushed.snapshot.last && old(last)) {
      deletions.push({ key: object.key, bytes: object.size, reason: 'superseded by a newer snapshot' });
    }
  }
  return { deletions, bytes: deletions.reduce((n, d) => n + d.bytes, 0), coveredUpTo };
}

/** Deletes what the plan lists; our head stops listing deleted batches at the next sync. */
export async function runGc(db: TidemarkDatabase, remote: Remote, plan: GcPlan): Promise<number> {
  for (const deletion of plan.deletions) await remote.delete(deletion.key);
  const deleted = new Set(plan.deletions.map((d) => d.key));
  const pushed = readPushState(db.sqlite);
  db.transaction(() =>
    writePushState(db.sqlite, { ...pushed, batches: pushed.batches.filter((b) => !deleted.has(b.file)), headInputs: undefined }),
  );
  return plan.deletions.length;
}
