// A device whose clock runs far ahead must not drag everyone's clock along:
// its changes wait in quarantine until the person accepts them; smaller skew
// is shown as a warning.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, timeOfId } from '../../src/main/engine/hlc';
import { acceptClock, listReplicas } from '../../src/main/engine/sync/replicas';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createSharedRemote, dumpTable, introduce, NOTES_SCHEMA, sync, type SharedRemote } from '../support/sync-fixtures';

const HOUR = 3_600_000;

describe('clock skew', () => {
  let workspace: Workspace;
  let shared: SharedRemote;
  beforeEach(async () => {
    workspace = createWorkspace();
    shared = await createSharedRemote('folder');
  });
  afterEach(() => workspace.cleanup());

  function replicaWithClock(name: string, offsetMs: number) {
    const clock = createManualClock(Date.now() + offsetMs);
    const db = workspace.open(`${name}.db`, { name, clock });
    db.sqlite.exec(NOTES_SCHEMA);
    db.track(['notes']);
    return db;
  }

  it('holds changes stamped more than a day ahead until the person accepts them', async () => {
    const here = replicaWithClock('here', 0);
    const ahead = replicaWithClock('ahead', 48 * HOUR);
    await introduce([{ db: here, remote: shared.connect() }, { db: ahead, remote: shared.connect() }]);
    ahead.write([{ op: 'put', table: 'notes', id: 'future', values: { title: 'from the future' } }]);
    await sync(ahead, shared.connect());

    const report = await sync(here, shared.connect());
    expect(report.problems[0]?.message).toMatch(/hours ahead/);
    expect(dumpTable(here)).toEqual([]);
    expect(here.hlc.lastMs()).toBeLessThan(Date.now() + HOUR); // our clock did not jump
    expect(listReplicas(here).find((r) => r.replica === ahead.uuid)!.problem).toMatch(/48 hours ahead/);

    acceptClock(here, ahead.uuid);
    const accepted = await sync(here, shared.connect());
    expect(accepted.problems).toEqual([]);
    expect(dumpTable(here)).toHaveLength(1);
    here.write([{ op: 'put', table: 'notes', id: 'future', values: { title: 'edited here afterwards' } }]);
    await sync(here, shared.connect());
    await sync(ahead, shared.connect());
    // Once accepted, a later local edit still wins: our clock moved past theirs.
    expect(dumpTable(ahead)).toEqual(dumpTable(here));
    expect(dumpTable(here)[0]).toContain('edited here afterwards');
  });

  it('shows a warning for a clock a little ahead, and applies its changes', async () => {
    const here = replicaWithClock('here', 0);
    const ahead = replicaWithClock('ahead', 20 * 60_000);
    await introduce([{ db: here, remote: shared.connect() }, { db: ahead, remote: shared.connect() }]);
    ahead.write([{ op: 'put', table: 'notes', id: 'soon', values: { title: 'twenty minutes early' } }]);
    await sync(ahead, shared.connect());
    await sync(here, shared.connect());
    expect(dumpTable(here)).toHaveLength(1);
    const info = listReplicas(here).find((r) => r.replica === ahead.uuid)!;
    expect(info.clockWarning).toMatch(/minutes ahead/);
    expect(timeOfId(info.last!)! - Date.now()).toBeGreaterThan(10 * 60_000);
  });
});
