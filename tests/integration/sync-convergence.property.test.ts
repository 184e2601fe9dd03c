// Randomized convergence: three replicas make random puts, deletes and raw SQL
// writes and sync in random orders; after everyone syncs, every replica holds
// the same change set and byte-identical tables. TIDEMARK_PROPERTY_RUNS=N runs more.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, introduce, sync, dumpLog, dumpTable, type RemoteKind } from '../support/sync-fixtures';

const runs = Number(process.env.TIDEMARK_PROPERTY_RUNS ?? 100);

const entity = fc.constantFrom('e1', 'e2', 'e3', 'e4');
const value = fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 4 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }));
const action = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), replica: fc.nat(2), id: entity, title: value, rank: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant('delete' as const), replica: fc.nat(2), id: entity }),
  fc.record({ kind: fc.constant('sql' as const), replica: fc.nat(2), id: entity, title: fc.string({ maxLength: 4 }) }),
  fc.record({ kind: fc.constant('sync' as const), replica: fc.nat(2) }),
);

type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

async function converges(kind: RemoteKind, actions: Action[]): Promise<void> {
  const workspace = createWorkspace();
  try {
    const shared = await createSharedRemote(kind);
    const replicas = ['a', 'b', 'c'].map((name) => ({ db: createReplica(workspace, name), remote: shared.connect() }));
    await introduce(replicas);
    for (const step of actions) {
      const { db, remote } = replicas[step.replica]!;
      if (step.kind === 'put') {
        const values: Record<string, unknown> = { title: step.title };
        if (step.rank !== undefined) values.rank = step.rank;
        db.write([{ op: 'put', table: 'notes', id: step.id, values }]);
      } else if (step.kind === 'delete') db.write([{ op: 'delete', table: 'notes', id: step.id }]);
      else if (step.kind === 'sql') {
        db.sqlite.prepare('INSERT INTO notes (id, title) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title').run(step.id, step.title);
      } else await sync(db, remote);
    }
    for (let round = 0; round < 2; round++) for (const { db, remote } of replicas) await sync(db, remote);
    const [first, ...rest] = replicas;
    for (const other of rest) {
      expect(dumpLog(other.db)).toEqual(dumpLog(first!.db));
      expect(dumpTable(other.db)).toEqual(dumpTable(first!.db));
    }
  } finally {
    workspace.cleanup();
  }
}

describe('randomized convergence', () => {
  it(`memory remote, ${runs} seeds`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), (actions) => converges('memory', actions)), { numRuns: runs });
  }, 120_000);

  it(`folder remote, ${Math.ceil(runs / 3)} seeds`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), (actions) => converges('folder', actions)), { numRuns: Math.ceil(runs / 3) });
  }, 120_000);
});
