// When a push publishes a snapshot on its own (snapshot.ts): once a device
// joining now would need many changes spread over many files beyond the
// newest snapshot it trusts. A few large batches are not worth a second
// upload of the whole log; a trusted replica's fresh snapshot makes ours
// unnecessary. Small thresholds stand in for 100,000 changes and 16 files.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import type { BatchDescriptor, Head, SnapshotDescriptor } from '../../src/main/engine/sync/head';
import { isSnapshotDue } from '../../src/main/engine/sync/snapshot';
import { emptyPushState, saveHead, type PushState } from '../../src/main/engine/sync/sync-state';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';

const POLICY = { changes: 20, files: 3 };
const OTHER = '0190f5a0-0000-7000-8000-0000000000b1';

let ws: Workspace;
let db: TidemarkDatabase;
beforeEach(() => {
  ws = createWorkspace();
  db = ws.open('policy.db');
  db.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT)');
  db.track(['notes']);
});
afterEach(() => ws.cleanup());

/** Writes `n` changes and describes them as `files` pushed batches of ours. */
function pushedBatches(n: number, files: number): PushState {
  for (let i = 0; i < n; i++) db.write([{ op: 'put', table: 'notes', id: `n${i}`, values: { title: `t${i}` } }]);
  const ids = db.sqlite.prepare('SELECT id FROM ZV_CHANGE ORDER BY id').pluck().all() as string[];
  const per = Math.ceil(ids.length / files);
  const batches: BatchDescriptor[] = [];
  for (let i = 0; i < ids.length; i += per) {
    const slice = ids.slice(i, i + per);
    batches.push({ file: `batches/${db.uuid}/${slice[0]}_${slice.at(-1)}.db.gz`, first: slice[0]!, last: slice.at(-1)!, count: slice.length, bytes: 100, sha256: '0'.repeat(64) });
  }
  return { ...emptyPushState, last: ids.at(-1)!, count: ids.length, batches };
}

function snapshotOf(count: number, covers: Record<string, string>): SnapshotDescriptor {
  const last = Object.values(covers).sort().at(-1)!;
  return { file: `snapshots/${OTHER}/${last}.db.gz`, last, count, bytes: 100, sha256: '0'.repeat(64), covers };
}

/** A trusted replica's head as we last read it. */
function trustedHead(snapshot: SnapshotDescriptor | null, batches: BatchDescriptor[] = []): void {
  const head = { format: 1, dataset_uuid: 'd', replica: OTHER, name: 'other', last: null, count: 0, batches, chain: '', snapshot } as Head;
  db.transaction(() => {
    saveHead(db.sqlite, OTHER, head, JSON.stringify(head), '"etag"', Date.now(), null);
    db.sqlite.prepare("UPDATE ZV_REPLICA SET state = 'trusted' WHERE replica = ?").run(OTHER);
  });
}

describe('the automatic snapshot', () => {
  it('is not published for a few large batches that hold the same bytes', () => {
    expect(isSnapshotDue(db, pushedBatches(30, 2), POLICY)).toBe(false);
  });

  it('is published once a joining device would fetch many files and changes', () => {
    expect(isSnapshotDue(db, pushedBatches(30, 3), POLICY)).toBe(true);
  });

  it('waits for enough changes, however many files', () => {
    expect(isSnapshotDue(db, pushedBatches(10, 5), POLICY)).toBe(false);
  });

  it('counts only what follows the newest snapshot: ours, or a trusted replica\'s', () => {
    const pushed = pushedBatches(30, 6);
    const ids = pushed.batches.map((b) => b.last);
    expect(isSnapshotDue(db, { ...pushed, snapshot: snapshotOf(30, { [db.uuid]: ids.at(-1)! }) }, POLICY)).toBe(false);
    trustedHead(snapshotOf(30, { [db.uuid]: ids.at(-1)! }));
    expect(isSnapshotDue(db, pushed, POLICY)).toBe(false);
    // A snapshot covering only the first batch leaves 5 files and 25 changes after it.
    trustedHead(snapshotOf(5, { [db.uuid]: ids[0]! }));
    expect(isSnapshotDue(db, pushed, POLICY)).toBe(true);
  });

  it('counts the batches of trusted replicas too', () => {
    const pushed = pushedBatches(30, 1);
    expect(isSnapshotDue(db, pushed, POLICY)).toBe(false);
    const theirs = [1, 2, 3].map((i): BatchDescriptor => {
      const id = `0190f5a0-0000-7000-8000-00000000000${i}`;
      return { file: `batches/${OTHER}/${id}_${id}.db.gz`, first: id, last: id, count: 1, bytes: 10, sha256: '0'.repeat(64) };
    });
    trustedHead(null, theirs);
    expect(isSnapshotDue(db, pushed, POLICY)).toBe(true);
  });
});
