// Randomized convergence with batch files damaged on the remote between syncs
// (DESIGN.md 4.5): three replicas make random puts and deletes and sync in
// random orders while files of theirs already published are deleted, changed
// in place or cut short behind their backs. Then, fault-free, they sync round
// after round: readers report what they find damaged, authors upload it again,
// and within two rounds per damaged file every replica holds the same change
// set and identical user tables, no report is left, and a sync with nothing
// to do costs one request again. TIDEMARK_FAULT_RUNS=N runs N seeds per remote.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readOurReports } from '../../src/main/engine/sync/damage-reports';
import type { Remote } from '../../src/main/engine/remote/remote';
import { createWorkspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpLog, dumpTable, introduce, type RemoteKind, removeSharedRemote, sync } from '../support/sync-fixtures';

const runs = process.env.TIDEMARK_FAULT_RUNS ? Number(process.env.TIDEMARK_FAULT_RUNS) : undefined;
const REPLICAS = 3;
const replica = fc.nat(REPLICAS - 1);
const entity = fc.constantFrom('e1', 'e2', 'e3', 'e4', 'e5', 'e6');
type How = 'delete' | 'flip' | 'truncate';
const how = fc.constantFrom<How>('delete', 'flip', 'truncate');

const actions = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('put' as const), replica, id: entity, title: fc.string({ maxLength: 6 }), rank: fc.integer({ min: 0, max: 9 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), replica, id: entity }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('sync' as const), replica, maxBatchChanges: fc.constantFrom(2, 5, 1000) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('damage' as const), pick: fc.nat(50), how }) },
  ),
  { minLength: 10, maxLength: 30, size: 'max' },
);

type Action = typeof actions extends fc.Arbitrary<Array<infer T>> ? T : never;

/** Spoils one published batch file on the remote, whoever wrote it; false when there is none yet. */
async function damage(raw: Remote, pick: number, how: How): Promise<boolean> {
  const files = await raw.list('batches/');
  const file = files[pick % Math.max(1, files.length)];
  if (!file) return false;
  const got = await raw.get(file.key);
  if (got.status !== 'ok') return false;
  await raw.delete(file.key);
  if (how === 'delete') return true;
  const bytes = Buffer.from(got.body);
  if (how === 'flip') bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x5a;
  await raw.putIfAbsent(file.key, how === 'flip' ? bytes : bytes.subarray(0, bytes.length >> 1));
  return true;
}

const stats = { damaged: 0, reported: 0 };

async function recovers(kind: RemoteKind, steps: Action[], lastHow: How): Promise<void> {
  const workspace = createWorkspace('tidemark-damage-prop-');
  const shared = await createSharedRemote(kind);
  try {
    const replicas = Array.from({ length: REPLICAS }, (_, i) => createReplica(workspace, `r${i}`));
    await introduce(replicas.map((db) => ({ db, remote: shared.connect() })));
    let damaged = 0;
    for (const step of steps) {
      if (step.kind === 'damage') {
        if (await damage(shared.raw, step.pick, step.how)) damaged += 1;
        continue;
      }
      const db = replicas[step.replica]!;
      if (step.kind === 'put') db.write([{ op: 'put', table: 'notes', id: step.id, values: { title: step.title, rank: step.rank } }]);
      else if (step.kind === 'delete') db.write([{ op: 'delete', table: 'notes', id: step.id }]);
      else await sync(db, shared.connect(), { maxBatchChanges: step.maxBatchChanges });
    }
    // A seed whose damage all came before anything was published still spoils one file.
    if (damaged === 0) {
      replicas[0]!.write([{ op: 'put', table: 'notes', id: 'e1', values: { title: 'last', rank: 0 } }]);
      await sync(replicas[0]!, shared.connect());
      if (await damage(shared.raw, 0, lastHow)) damaged += 1;
    }
    stats.damaged += damaged;

    // Fault-free rounds until a whole round after the first shows no problem.
    const limit = 3 + 2 * damaged;
    let problems: unknown[] = [];
    for (let round = 0; round < limit; round++) {
      problems = [];
      for (const db of replicas) {
        problems.push(...(await sync(db, shared.connect())).problems);
        if (readOurReports(db.sqlite).length > 0) stats.reported += 1;
      }
      if (round > 0 && problems.length === 0) break;
    }
    expect(problems).toEqual([]);
    const [first, ...rest] = replicas.map((db) => ({ log: dumpLog(db), table: dumpTable(db) }));
    for (const other of rest) {
      expect(other.log).toEqual(first!.log);
      expect(other.table).toEqual(first!.table);
    }
    // Quiet again: reports ended, heads settle, and then a sync costs its one LIST.
    for (let round = 0; round < 2; round++) for (const db of replicas) await sync(db, shared.connect());
    for (const db of replicas) {
      expect(readOurReports(db.sqlite)).toEqual([]);
      expect((await sync(db, shared.connect())).requests).toBe(1);
    }
  } finally {
    workspace.cleanup();
    removeSharedRemote(shared);
  }
}

const plan: Array<[RemoteKind, number]> = [
  ['memory', runs ?? 15],
  ['folder', runs ?? 6],
];

describe.each(plan)('randomized convergence with files damaged on a %s remote', (kind, numRuns) => {
  it(`files deleted, changed in place or cut short after publication: ${numRuns} seeds, every replica recovers`, async () => {
    Object.assign(stats, { damaged: 0, reported: 0 });
    await fc.assert(fc.asyncProperty(actions, how, (steps, lastHow) => recovers(kind, steps, lastHow)), { numRuns, endOnFailure: true });
    // It cannot pass without damaging anything, or without the reports doing the work.
    if (process.env.TIDEMARK_FAULT_DEBUG) console.log(kind, stats);
    expect(stats.damaged).toBeGreaterThanOrEqual(numRuns);
    expect(stats.reported).toBeGreaterThan(0);
  }, 300_000);
});
