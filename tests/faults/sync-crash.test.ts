// Crash safety (DESIGN.md 4.1, 4.2, 4.5): a sync process killed with SIGKILL
// at every step of its push and its pull, right before and right after each
// remote call. After a restart and ordinary syncs of every replica, each
// replica holds every change exactly once and identical user tables: the same
// as when nothing crashed.
//
// Three devices share a folder remote (batches of ten changes). In the prepared state:
//   a has pushed two batches and holds more changes it has not pushed;
//   c has pulled a's batches and pushed two of its own;
//   b has pulled nothing since the introductions, holds changes it has not
//     pushed (one of them to a row of a), and another program wrote to its
//     file (captures the engine has not flushed yet).
// "a" killed: its sync pulls c's two batches and pushes two of its own.
// "b" killed: its sync flushes the captures, pulls four batches of a and c,
// and pushes two of its own.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFolderRemote } from '../../src/main/engine/remote';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { introduce, sync, dumpTable, NOTES_SCHEMA } from '../support/sync-fixtures';
import {
  changeIds,
  copyDeviceSet,
  device,
  deviceSet,
  inPool,
  logContents,
  openDevice,
  repeated,
  runSyncChild,
  type DeviceSet,
} from '../support/fault-devices';

const BATCH = 10; // changes per batch file: two rows of five attributes

let root: string;
let template: DeviceSet;
let copies = 0;

async function prepare(dir: string): Promise<DeviceSet> {
  const set = deviceSet(dir, ['a', 'b', 'c']);
  const [a, b, c] = set.devices.map((spec) => {
    const db = openDevice(spec, { create: true });
    db.sqlite.exec(NOTES_SCHEMA);
    db.track(['notes']);
    return db;
  }) as [TidemarkDatabase, TidemarkDatabase, TidemarkDatabase];
  const remote = () => createFolderRemote(set.remote);
  await introduce([a, b, c].map((db) => ({ db, remote: remote() })));

  // Every value is written once, so a change held twice is visible by its content.
  for (let i = 0; i < 4; i++) a.write([{ op: 'put', table: 'notes', id: `n${i}`, values: { title: `a-title-${i}`, rank: i } }]);
  await sync(a, remote(), { maxBatchChanges: BATCH });
  for (let i = 0; i < 4; i++) c.write([{ op: 'put', table: 'notes', id: `c${i}`, values: { title: `c-title-${i}`, score: i + 0.5 } }]);
  await sync(c, remote(), { maxBatchChanges: BATCH });

  for (let i = 0; i < 4; i++) a.write([{ op: 'put', table: 'notes', id: `n${i}`, values: { title: `a-title-${i}-v2` } }]);
  a.write([{ op: 'delete', table: 'notes', id: 'n2' }]);
  for (let i = 10; i < 12; i++) a.write([{ op: 'put', table: 'notes', id: `n${i}`, values: { body: `a-body-${i}`, data: new Uint8Array([i, 0, 255]) } }]);
  b.write([{ op: 'put', table: 'notes', id: 'm0', values: { title: 'b-title-0', rank: 100 } }]);
  b.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'b-edit-of-n1' } }]);
  for (const db of [a, b, c]) db.close();

  // Another program writes to b's file: the triggers capture it, the engine has not seen it yet.
  const shell = new BetterSqlite3(device(set, 'b').db);
  shell.exec("INSERT INTO notes (id, title) VALUES ('sql-1', 'b-raw-insert'); UPDATE notes SET body = 'b-raw-update' WHERE id = 'm0'");
  shell.close();
  return set;
}

interface Outcome {
  ids: string[][];
  contents: string[][];
  tables: string[][];
  problems: unknown[];
}

/** Restarts every device; the one that crashed gets one more edit; each syncs twice. */
async function recover(set: DeviceSet, first: string): Promise<Outcome> {
  const order = [first, ...['a', 'b', 'c'].filter((n) => n !== first)];
  const dbs = order.map((name) => openDevice(device(set, name)));
  try {
    // The person keeps working before the next sync: its push must not reuse a half-pushed range wrongly.
    dbs[0]!.write([{ op: 'put', table: 'notes', id: `after-restart-${first}`, values: { title: `written after the restart of ${first}` } }]);
    const problems: unknown[] = [];
    for (let round = 0; round < 2; round++) {
      for (const db of dbs) problems.push(...(await sync(db, createFolderRemote(set.remote), { maxBatchChanges: BATCH })).problems);
    }
    return { ids: dbs.map(changeIds), contents: dbs.map(logContents), tables: dbs.map((db) => dumpTable(db)), problems };
  } finally {
    for (const db of dbs) db.close();
  }
}

function expectConverged(outcome: Outcome, reference: Outcome | undefined): void {
  expect(outcome.problems).toEqual([]);
  const [ids, ...otherIds] = outcome.ids;
  for (const other of otherIds) expect(other).toEqual(ids);
  const [contents, ...otherContents] = outcome.contents;
  expect(repeated(contents!)).toEqual([]);
  for (const other of otherContents) expect(other).toEqual(contents);
  const [tables, ...otherTables] = outcome.tables;
  for (const other of otherTables) expect(other).toEqual(tables);
  if (reference) {
    expect(contents).toEqual(reference.contents[0]);
    expect(tables).toEqual(reference.tables[0]);
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tidemark-crash-'));
  template = await prepare(join(root, 'template'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A call as "<n> <operation> <key>", with the id range of a batch key masked (captures get new ids each run). */
const step = (call: string) => call.replace(/[0-9a-f-]{36}_[0-9a-f-]{36}\.db\.gz$/, '<first>_<last>.db.gz');

const fresh = () => copyDeviceSet(template, join(root, `run-${copies++}`));

describe.each([
  ['a', 'the pusher (pulls 2 batches, pushes 2)'],
  ['b', 'the puller (flushes captures, pulls 4 batches, pushes 2)'],
])('sync child %s, %s, killed with SIGKILL', (victim) => {
  it('at every step of its sync (before each remote call, after each write): replicas converge, every change exactly once', async () => {
    // The run without a crash: its remote calls are the steps, its end state the reference.
    const cleanSet = fresh();
    const clean = await runSyncChild({ db: device(cleanSet, victim).db, remote: cleanSet.remote, secrets: device(cleanSet, victim).secrets, maxBatchChanges: BATCH });
    expect(clean.error, clean.output).toBeUndefined();
    expect(clean.code).toBe(0);
    if (process.env.TIDEMARK_FAULT_DEBUG) console.log(`${victim}'s steps:\n${clean.calls.map(step).join('\n')}`);
    const operations = clean.calls.map((line) => line.split(' ')[1]);
    expect(operations).toContain('get');
    expect(operations).toContain('putIfAbsent');
    expect(operations).toContain('putIfMatch');
    const reference = await recover(cleanSet, victim);
    expectConverged(reference, undefined);
    // Nothing lost: every change any replica held before the sync is in the end state
    // (read from a copy: opening a database flushes its captures).
    const before = fresh();
    for (const spec of before.devices) {
      const db = openDevice(spec);
      try {
        const held = logContents(db);
        expect(held.filter((line) => !reference.contents[0]!.includes(line))).toEqual([]);
      } finally {
        db.close();
      }
    }
    rmSync(before.dir, { recursive: true, force: true });

    // Killed right before every call, and right after every write. (Right after a
    // read is the same durable state as right before it: a read changes nothing.)
    const kills = clean.calls.flatMap((line, i) => [
      { at: i + 1, when: 'before' as const },
      ...(/^\d+ (putIfAbsent|putIfMatch|delete) /.test(line) ? [{ at: i + 1, when: 'after' as const }] : []),
    ]);
    const failures: string[] = [];
    await inPool(kills, 2, async (kill) => {
      const set = fresh();
      const spec = device(set, victim);
      const run = await runSyncChild({ db: spec.db, remote: set.remote, secrets: spec.secrets, maxBatchChanges: BATCH, kill });
      const label = `killed ${kill.when} call ${kill.at} (${clean.calls[kill.at - 1]})`;
      try {
        expect(run.signal, run.output).toBe('SIGKILL');
        // The same steps as the clean run, up to the kill: step k is deterministic.
        expect(run.calls.map(step)).toEqual(clean.calls.slice(0, kill.at).map(step));
        expectConverged(await recover(set, victim), reference);
      } catch (error) {
        failures.push(`${label}: ${(error as Error).message.slice(0, 3000)}`);
      } finally {
        rmSync(set.dir, { recursive: true, force: true });
      }
    });
    expect(failures).toEqual([]);
    rmSync(cleanSet.dir, { recursive: true, force: true });
  }, 120_000);
});
