// Hostile files through a real pull from a folder remote (DESIGN.md 4.3, 4.5).
// Replica a is trusted by b, but buggy: its batch files are replaced by the
// damaged ones of hostile-files.ts, and its head is re-signed with a's own key
// so that the file's hash matches the signed head and the bytes reach the
// decoder. Every time, b quarantines a with the reason, b's database is left
// exactly as it was (schema, user tables, change log: no SQL of the file ran),
// and c, the third replica, keeps syncing with b. Heads are fuzzed the same way,
// re-signed or not. TIDEMARK_FUZZ_PULL_RUNS=N runs N files of each (default 150).

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { decodeBatch, encodeBatch } from '../../src/main/engine/sync/batch-file';
import { extendChain, sha256Hex } from '../../src/main/engine/sync/hash';
import { encodeHead, headKey, signedBytes, type Head } from '../../src/main/engine/sync/head';
import { listReplicas } from '../../src/main/engine/sync/replicas';
import { loadOrCreateKeys, signBytes, type ReplicaKeys } from '../../src/main/engine/trust/keys';
import { META, readMeta } from '../../src/main/engine/schema';
import type { Change } from '../../src/shared/types';
import { createWorkspace, dumpDatabase, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpLog, dumpTable, introduce, keychainOf, removeSharedRemote, type SharedRemote, sync } from '../support/sync-fixtures';
import { batchFile, headFile, hostileNames, hostileValues, sqliteFile, wrongSchemasFor, type Identity } from './hostile-files';

const runs = Number(process.env.TIDEMARK_FUZZ_PULL_RUNS ?? 150);

/** b as a person and an attacker would see it: schema, user tables and change log; not its sync bookkeeping. */
function stateOf(db: TidemarkDatabase): Record<string, unknown> {
  const all = dumpDatabase(db.sqlite);
  return Object.fromEntries(Object.entries(all).filter(([name]) => name === 'schema' || !/^ZV_/i.test(name) || /^ZV_(CHANGE|TRANSACTION)$/.test(name)));
}

/** A trusted replica whose files we write ourselves, with its own signing key. */
interface Forger {
  a: TidemarkDatabase;
  b: TidemarkDatabase;
  c: TidemarkDatabase;
  shared: SharedRemote;
  keys: ReplicaKeys;
  /** a's head as a last pushed it. */
  base: Head;
  /** Each forged head claims more changes than the last, so none looks replayed. */
  claims: number;
}

async function setUp(workspace: Workspace): Promise<Forger> {
  const shared = await createSharedRemote('folder');
  const [a, b, c] = ['a', 'b', 'c'].map((name) => createReplica(workspace, name)) as [TidemarkDatabase, TidemarkDatabase, TidemarkDatabase];
  await introduce([a, b, c].map((db) => ({ db, remote: shared.connect() })));
  for (let i = 0; i < 3; i++) a.write([{ op: 'put', table: 'notes', id: `a${i}`, values: { title: `from a ${i}` } }]);
  c.write([{ op: 'put', table: 'notes', id: 'c0', values: { title: 'from c' } }]);
  for (const db of [a, c, b]) await sync(db, shared.connect());
  const current = await shared.raw.get(headKey(a.uuid));
  if (current.status !== 'ok') throw new Error('no head of a');
  return { a, b, c, shared, keys: await loadOrCreateKeys(keychainOf(a), a.uuid), base: JSON.parse(Buffer.from(current.body).toString('utf8')) as Head, claims: 0 };
}

function sign(head: Record<string, unknown>, keys: ReplicaKeys): Record<string, unknown> {
  const { signature: _old, ...unsigned } = head;
  return { ...unsigned, signature: signBytes(signedBytes(unsigned), keys.signingPrivate) };
}

async function writeHead(f: Forger, body: Uint8Array): Promise<void> {
  const current = await f.shared.raw.get(headKey(f.a.uuid));
  if (current.status !== 'ok') throw new Error('no head of a');
  const put = await f.shared.raw.putIfMatch(headKey(f.a.uuid), body, current.etag);
  expect(put.status).toBe('ok');
}

/**
 * Puts `bytes` as a's next batch and a signed head that lists it with its true
 * hash. A `valid` batch is listed as it is; a damaged one with a count higher
 * than any forged head before, so that no head looks replayed. Returns the head.
 */
async function forgeBatch(f: Forger, bytes: Uint8Array, valid?: { count: number; first: string; last: string }): Promise<Head> {
  const [first, last] = valid ? [valid.first, valid.last] : [f.a.hlc.next(), f.a.hlc.next()];
  const key = `batches/${f.a.uuid}/${first}_${last}.db.gz`;
  expect((await f.shared.raw.putIfAbsent(key, bytes)).status).toBe('ok');
  const sha256 = sha256Hex(bytes);
  const claimed = valid?.count ?? ++f.claims;
  const head = {
    ...f.base,
    written: f.a.hlc.next(),
    last,
    count: f.base.count + claimed,
    batches: [...f.base.batches, { file: key, first, last, count: claimed, bytes: bytes.length, sha256 }],
    chain: extendChain(f.base.chain, sha256),
  };
  await writeHead(f, encodeHead(sign(head, f.keys) as Head));
  return head;
}

/** a as the author of hostile files: its id, its dataset, its last batch, ids after its last change. */
function identityOf(f: Forger): Identity {
  const last = f.base.batches[f.base.batches.length - 1]!;
  return { author: f.a.uuid, dataset: f.base.dataset_uuid, prev: last.sha256, nextId: () => f.a.hlc.next() };
}

function decodes(bytes: Uint8Array): boolean {
  try {
    decodeBatch(bytes, 'probe');
    return true;
  } catch {
    return false;
  }
}

async function expectCKeepsSyncing(f: Forger, round: number): Promise<void> {
  f.c.write([{ op: 'put', table: 'notes', id: `c-round-${round}`, values: { title: `c round ${round}` } }]);
  await sync(f.c, f.shared.connect());
  await sync(f.b, f.shared.connect());
  expect(f.b.sqlite.prepare('SELECT title FROM notes WHERE id = ?').pluck().get(`c-round-${round}`)).toBe(`c round ${round}`);
}

describe('hostile batch files of a trusted replica, through a real pull', () => {
  let workspace: Workspace;
  let f: Forger;
  beforeAll(async () => {
    workspace = createWorkspace('tidemark-fuzz-pull-');
    f = await setUp(workspace);
  });
  afterAll(() => {
    workspace.cleanup();
    removeSharedRemote(f?.shared);
  });

  it(`${runs} damaged batches: a is quarantined with the reason, b is unchanged, c keeps syncing`, async () => {
    let cases = 0;
    // Files made as a's, following a's last batch with ids after it: one that decoded would be applied.
    const damaged = batchFile(identityOf(f)).filter(({ bytes }) => !decodes(bytes));
    await fc.assert(
      fc.asyncProperty(damaged, async ({ kind, bytes }) => {
        await forgeBatch(f, bytes);
        const before = stateOf(f.b);
        const report = await sync(f.b, f.shared.connect());
        const problem = report.problems.find((p) => p.replica === f.a.uuid);
        expect(problem?.message, kind).toMatch(/is damaged|newer than this version|written as replica|another dataset/);
        expect(listReplicas(f.b).find((r) => r.replica === f.a.uuid)?.problem).toBe(problem!.message);
        expect(stateOf(f.b)).toEqual(before);
        if (++cases % 25 === 0) await expectCKeepsSyncing(f, cases);
      }),
      { numRuns: runs, endOnFailure: true },
    );
    await expectCKeepsSyncing(f, -1);
  }, 300_000);
});

describe('batch files whose schema would run SQL if read, through a real pull', () => {
  let workspace: Workspace;
  let f: Forger;
  beforeAll(async () => {
    workspace = createWorkspace('tidemark-fuzz-pull-');
    f = await setUp(workspace);
  });
  afterAll(() => {
    workspace.cleanup();
    removeSharedRemote(f?.shared);
  });

  it.each(['ZV_CHANGE is a view that computes its rows', 'a generated column computes new_value', 'ZV_TRANSACTION is a view'])(
    'a batch whose %s, with rows that would apply: refused, and the SQL in it never runs',
    async (recipe) => {
      // The head lists the file with the range its rows claim, as a's real head would.
      const made: string[] = [];
      const who = identityOf(f);
      const statements = wrongSchemasFor({ ...who, nextId: () => (made.push(who.nextId()), made[made.length - 1]!) })[recipe]!;
      await forgeBatch(f, sqliteFile(statements), { count: 2, first: made[1]!, last: made[2]! }); // made: transaction, first, last
      const before = stateOf(f.b);
      const report = await sync(f.b, f.shared.connect());
      expect(report.problems.map((p) => p.message)).toEqual([expect.stringMatching(/is damaged: (it holds a|it has no|its ZV_\w+ table has the columns)/)]);
      expect(stateOf(f.b)).toEqual(before);
      expect(f.b.sqlite.prepare("SELECT count(*) FROM notes WHERE title LIKE '%BY THE FILE%'").pluck().get()).toBe(0);
    },
  );
});

describe('a trusted replica whose valid batches hold hostile names and values, through a real pull', () => {
  let workspace: Workspace;
  let f: Forger;
  beforeAll(async () => {
    workspace = createWorkspace('tidemark-fuzz-pull-');
    f = await setUp(workspace);
  });
  afterAll(() => {
    workspace.cleanup();
    removeSharedRemote(f?.shared);
  });

  it('names are data: applied to the log, quoted where a table exists, never run as SQL', async () => {
    const dataset = readMeta(f.b.sqlite, META.datasetUuid)!;
    const tx = f.a.hlc.next();
    const changeOf = (entityType: string, entityId: string, attribute: string, newValue: string): Change => ({
      id: f.a.hlc.next(), transactionId: tx, author: f.a.uuid, entityType, entityId, attribute, oldValue: null, newValue,
    });
    const named = [
      ...hostileNames.map((name) => changeOf(name, name, name, '"payload"')),
      changeOf('notes', 'hostile', 'title"; DROP TABLE notes; --', '"not a column"'),
      changeOf('notes', 'hostile', 'title', '"\'); DROP TABLE notes; --"'),
      changeOf('notes', "'; DROP TABLE notes; --", 'body', '"an id that is SQL"'),
    ];
    const prev = f.base.batches[f.base.batches.length - 1]!.sha256;
    const batch = encodeBatch(named, { dataset_uuid: dataset, author: f.a.uuid, prev_sha256: prev });
    const schemaBefore = dumpDatabase(f.b.sqlite).schema;
    const notesBefore = dumpTable(f.b);
    f.base = await forgeBatch(f, batch.bytes, batch.meta);

    const report = await sync(f.b, f.shared.connect());
    expect(report.problems).toEqual([]);
    expect(report.pulled).toBe(named.length);
    expect(dumpLog(f.b).filter((row) => row.includes(f.a.uuid) && row.includes('payload'))).toHaveLength(hostileNames.length);
    expect(dumpDatabase(f.b.sqlite).schema).toEqual(schemaBefore);
    // notes gained the two rows the log names, with the SQL-looking text as plain values; nothing else moved.
    const notes = dumpTable(f.b);
    expect(notes.filter((row) => !row.includes('hostile') && !row.includes('an id that is SQL'))).toEqual(notesBefore);
    expect(f.b.sqlite.prepare("SELECT title FROM notes WHERE id = 'hostile'").pluck().get()).toBe("'); DROP TABLE notes; --");
    expect(f.b.sqlite.prepare('SELECT body FROM notes WHERE id = ?').pluck().get("'; DROP TABLE notes; --")).toBe('an id that is SQL');
    expect(f.b.status().waiting).toBeGreaterThan(0); // changes for tables and columns b does not have

    // Values no SQLite cell holds: the batch is refused whole, nothing of it applied.
    for (const value of hostileValues) {
      const bad = encodeBatch([changeOf('notes', 'bad', 'title', value)], { dataset_uuid: dataset, author: f.a.uuid, prev_sha256: batch.sha256 });
      await forgeBatch(f, bad.bytes);
      const before = stateOf(f.b);
      const refused = await sync(f.b, f.shared.connect());
      expect(refused.problems.map((p) => p.message), value).toEqual([expect.stringMatching(/is damaged: a value that is not JSON text/)]);
      expect(stateOf(f.b)).toEqual(before);
    }
    await expectCKeepsSyncing(f, 0);
  });
});

describe('hostile heads of a trusted replica, through a real pull', () => {
  let workspace: Workspace;
  let f: Forger;
  beforeAll(async () => {
    workspace = createWorkspace('tidemark-fuzz-pull-');
    f = await setUp(workspace);
  });
  afterAll(() => {
    workspace.cleanup();
    removeSharedRemote(f?.shared);
  });

  it(`${runs} damaged heads, re-signed or not: b never fails, is unchanged, and c keeps syncing`, async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(headFile(f.base as unknown as Record<string, unknown>), fc.boolean(), async ({ kind, bytes }, resign) => {
        let body: Uint8Array = bytes;
        if (resign) {
          try {
            const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
            if (json && typeof json === 'object' && !Array.isArray(json)) body = encodeHead(sign(json as Record<string, unknown>, f.keys) as Head);
          } catch {
            // not JSON, or too deep to sign: written as it is
          }
        }
        await writeHead(f, body);
        const before = stateOf(f.b);
        const report = await sync(f.b, f.shared.connect());
        for (const problem of report.problems) expect(problem.replica, kind).toBe(f.a.uuid);
        expect(stateOf(f.b)).toEqual(before);
        if (++cases % 25 === 0) await expectCKeepsSyncing(f, cases);
      }),
      { numRuns: runs, endOnFailure: true },
    );
    await expectCKeepsSyncing(f, -1);
  }, 300_000);
});
