// The concurrent-edit inbox: edits of the same attribute on two devices that
// had not seen each other's are recorded on both, with both values; edits made
// in turn are not; the person settles one with a new change.

import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listConflicts, resolveConflict } from '../../src/main/engine/conflicts';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpTable, introduce, sync, type SharedRemote } from '../support/sync-fixtures';

describe('concurrent-edit inbox', () => {
  let workspace: Workspace;
  let shared: SharedRemote;
  beforeEach(async () => {
    workspace = createWorkspace();
    shared = await createSharedRemote('memory');
  });
  afterEach(() => workspace.cleanup());

  async function pair() {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'draft', rank: 1 } }]);
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    return { a, b };
  }

  it('edits made in turn are not conflicts', async () => {
    const { a, b } = await pair();
    b.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'b read a, then edited' } }]);
    await sync(b, shared.connect());
    await sync(a, shared.connect());
    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'a read b, then edited' } }]);
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    expect(listConflicts(a.sqlite)).toEqual([]);
    expect(listConflicts(b.sqlite)).toEqual([]);
  });

  it('records a concurrent edit on both devices, and settles it with a new change', async () => {
    const { a, b } = await pair();
    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'title from a', rank: 2 } }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    b.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'title from b' } }]); // rank untouched: no conflict there
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    await sync(a, shared.connect());

    for (const [db, mine, theirs] of [
      [a, '"title from a"', '"title from b"'],
      [b, '"title from b"', '"title from a"'],
    ] as const) {
      const [conflict, ...rest] = listConflicts(db.sqlite);
      expect(rest).toEqual([]);
      expect(conflict).toMatchObject({ table: 'notes', entityId: 'n1', attribute: 'title', mine: { value: mine }, theirs: { value: theirs } });
    }
    expect(listConflicts(a.sqlite)[0]!.winner).toBe('theirs'); // b wrote later
    expect(dumpTable(a)[0]).toContain('title from b');

    // On a, the person keeps a's value: a new change that wins everywhere.
    const cli = execFileSync(process.execPath, ['bin/tidemark.mjs', 'conflicts', a.path, '--json'], { encoding: 'utf8' });
    const listed = JSON.parse(cli) as Array<{ id: number; mine: { value: string }; winner: string }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]!.mine.value).toBe('"title from a"');
    const resolved = resolveConflict(a, listed[0]!.id, 'mine');
    expect(resolved.transactionId).not.toBeNull();
    expect(listConflicts(a.sqlite)).toEqual([]);
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    expect(dumpTable(b)).toEqual(dumpTable(a));
    expect(dumpTable(b)[0]).toContain('title from a');
    expect(listConflicts(a.sqlite, { all: true })[0]!.resolvedBy).toBe(resolved.transactionId);
  });

  it('accepts a JSON value and refuses a malformed choice', async () => {
    const { a, b } = await pair();
    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { rank: 5 } }]);
    b.write([{ op: 'put', table: 'notes', id: 'n1', values: { rank: 7 } }]);
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    const [conflict] = listConflicts(b.sqlite);
    expect(() => resolveConflict(b, conflict!.id, 'both please')).toThrow(/neither mine, theirs nor a JSON value/);
    resolveConflict(b, conflict!.id, '6');
    expect(dumpTable(b)[0]).toContain('rank=i:6');
  });
});
