// DESIGN.md section 2: the log is a grow-only set merged by change id, each
// attribute takes the value of its greatest change id, and replicas holding
// the same changes hold identical user tables whatever the arrival order.
//
// Realistic changes come from the engine itself: several author databases
// write through the write API and through a plain "shell" connection
// (captured by triggers), and now and then sync with each other, so the log
// has concurrent edits, deletes and re-inserts. The union of their logs is
// then applied to fresh databases in random orders and chunkings.

import fc from 'fast-check';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { createManualClock } from '../../src/main/engine/hlc';
import type { ApplyResult } from '../../src/main/engine/merge';
import type { Change } from '../../src/shared/types';
import { createWorkspace, dumpTable, readChanges, type Workspace } from '../support/engine-fixtures';
import { encodeBatch, stageBatch } from '../../src/main/engine/sync/batch-file';

const ITEMS = 'CREATE TABLE items (id TEXT PRIMARY KEY, a, b INTEGER, c TEXT)';
const COLUMNS = ['a', 'b', 'c'] as const;
const ENTITIES = ['e1', 'e2', 'e3'];
const T0 = Date.UTC(2026, 4, 1);

type Value = null | bigint | number | string | Uint8Array;

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, 1n, 2n ** 53n + 1n),
  fc.constantFrom(1.0, 0.5, -2.25, 1e300),
  fc.constantFrom('', 'x', 'Ünïcode ☃', `q"u'ote`, '12'),
  fc.constantFrom(new Uint8Array([0, 255]), new Uint8Array([])),
);

type Step =
  | { kind: 'put'; author: number; entity: string; values: Partial<Record<(typeof COLUMNS)[number], Value>>; via: 'api' | 'shell'; tick: number }
  | { kind: 'delete'; author: number; entity: string; via: 'api' | 'shell'; tick: number }
  | { kind: 'sync'; from: number; to: number };

const AUTHORS = 3;
/** Set TIDEMARK_MERGE_RUNS=1000 for a longer hunt; 25 keeps the suite quick. */
const MERGE_RUNS = Number(process.env.TIDEMARK_MERGE_RUNS ?? 25);
const authorArb = fc.integer({ min: 0, max: AUTHORS - 1 });
const entityArb = fc.constantFrom(...ENTITIES);
const viaArb = fc.constantFrom<'api' | 'shell'>('api', 'shell');
const tickArb = fc.integer({ min: 0, max: 3 });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), author: authorArb, entity: entityArb, values: fc.record({ a: valueArb, b: valueArb, c: valueArb }, { requiredKeys: [] }), via: viaArb, tick: tickArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), author: authorArb, entity: entityArb, via: viaArb, tick: tickArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), from: authorArb, to: authorArb }) },
);

/** An order and a chunking for applying the changes, from a seed. */
const deliveryArb = fc.record({ seed: fc.integer(), maxChunk: fc.integer({ min: 1, max: 12 }) });

let ws: Workspace;
let opened = 0;
beforeEach(() => {
  ws = createWorkspace();
});
afterEach(() => ws.cleanup());

/** Durability is not under test here; skipping fsync keeps hundreds of databases quick. */
function fast(db: TidemarkDatabase): TidemarkDatabase {
  db.sqlite.pragma('synchronous = OFF');
  return db;
}

function freshReplica(label: string): TidemarkDatabase {
  const db = fast(ws.open(`${label}-${opened++}.db`));
  db.sqlite.exec(ITEMS);
  db.track(['items']);
  return db;
}

function runSteps(steps: Step[], skews: number[]): TidemarkDatabase[] {
  const clocks = skews.map((skew) => createManualClock(T0 + skew));
  const authors = clocks.map((clock, i) => {
    const db = fast(ws.open(`author${i}-${opened++}.db`, { clock }));
    db.sqlite.exec(ITEMS);
    db.track(['items']);
    return db;
  });
  const shells = authors.map((db) => ws.shell(db.path.slice(ws.dir.length + 1)));
  for (const step of steps) {
    if (step.kind === 'sync') {
      if (step.from !== step.to) authors[step.to]!.applyChanges(readChanges(authors[step.from]!.sqlite));
      continue;
    }
    clocks[step.author]!.advance(step.tick);
    const db = authors[step.author]!;
    if (step.via === 'api') {
      if (step.kind === 'put') db.write([{ op: 'put', table: 'items', id: step.entity, values: step.values }]);
      else db.write([{ op: 'delete', table: 'items', id: step.entity }]);
    } else {
      shellWrite(shells[step.author]!, step);
      if (step.tick === 0) db.refresh(); // otherwise captures wait, and pile up, until the next engine call
    }
  }
  for (const db of authors) db.refresh();
  return authors;
}

function shellWrite(shell: Database, step: Exclude<Step, { kind: 'sync' }>): void {
  if (step.kind === 'delete') {
    shell.prepare('DELETE FROM items WHERE id = ?').run(step.entity);
    return;
  }
  const columns = Object.keys(step.values);
  const values = columns.map((c) => step.values[c as keyof typeof step.values]);
  const exists = shell.prepare('SELECT 1 FROM items WHERE id = ?').get(step.entity) !== undefined;
  if (!exists) {
    const names = ['id', ...columns];
    shell.prepare(`INSERT INTO items (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(step.entity, ...values);
  } else if (columns.length > 0) {
    shell.prepare(`UPDATE items SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...values, step.entity);
  }
}

/** The union of every author's log; one id always means one identical change. */
function unionOfLogs(authors: TidemarkDatabase[]): Change[] {
  const byId = new Map<string, Change>();
  for (const db of authors) {
    for (const change of readChanges(db.sqlite)) {
      const known = byId.get(change.id);
      if (known) expect(change).toEqual(known);
      else byId.set(change.id, change);
    }
  }
  return [...byId.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
}

/** DESIGN.md 2 by hand: latest change per attribute; a row exists iff its latest _deleted is not 1. */
function expectedRows(changes: Change[]): Array<Record<string, string>> {
  const latest = new Map<string, Map<string, string | null>>();
  for (const change of changes) {
    // changes are in id order, so a later one overwrites
    const entity = latest.get(change.entityId) ?? new Map<string, string | null>();
    entity.set(change.attribute, change.newValue);
    latest.set(change.entityId, entity);
  }
  const rows: Array<Record<string, string>> = [];
  for (const [id, attributes] of [...latest].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (attributes.get('_deleted') === '1') continue;
    const row: Record<string, string> = { id: `t:${JSON.stringify(id)}` };
    for (const column of COLUMNS) row[column] = typedFromJson(attributes.get(column) ?? null);
    rows.push(row);
  }
  return rows;
}

function typedFromJson(json: string | null): string {
  if (json === null || json === 'null') return 'null';
  if (/^-?\d+$/.test(json)) return `i:${json}`;
  const parsed = JSON.parse(json) as unknown;
  if (typeof parsed === 'string') return `t:${json}`;
  if (typeof parsed === 'number') return `r:${String(parsed)}`;
  return `b:${Buffer.from((parsed as { $blob: string }).$blob, 'base64').toString('hex')}`;
}

function shuffled<T>(items: readonly T[], seed: number): { order: T[]; random: () => number } {
  let state = seed >>> 0 || 1;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = [...items];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return { order, random };
}

function deliver(db: TidemarkDatabase, changes: Change[], seed: number, maxChunk: number): void {
  const { order, random } = shuffled(changes, seed);
  for (let i = 0; i < order.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    db.applyChanges(order.slice(i, i + size));
    i += size;
  }
}

function logOf(db: TidemarkDatabase) {
  return {
    changes: db.sqlite.prepare('SELECT * FROM ZV_CHANGE ORDER BY id').all(),
    transactions: db.sqlite.prepare('SELECT * FROM ZV_TRANSACTION ORDER BY id').all(),
  };
}

describe('merge (DESIGN.md 2)', () => {
  it('gives identical user tables and logs for the same changes in any order and chunking', () => {
    const seen = { reinserts: 0, deletes: 0, authorsPerEntityAttribute: 0 };
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 4, maxLength: 30, size: 'medium' }),
        fc.array(fc.integer({ min: -3000, max: 3000 }), { minLength: AUTHORS, maxLength: AUTHORS }),
        fc.array(deliveryArb, { minLength: 2, maxLength: 4 }),
        (steps, skews, deliveries) => {
          try {
            const changes = checkConvergence(steps, skews, deliveries);
            if (changes.some((c) => c.attribute === '_deleted' && c.newValue === '0')) seen.reinserts += 1;
            if (changes.some((c) => c.attribute === '_deleted' && c.newValue === '1')) seen.deletes += 1;
            const writers = new Map<string, Set<string>>();
            for (const c of changes) writers.set(`${c.entityId}.${c.attribute}`, (writers.get(`${c.entityId}.${c.attribute}`) ?? new Set()).add(c.author));
            if ([...writers.values()].some((authors) => authors.size > 1)) seen.authorsPerEntityAttribute += 1;
          } finally {
            ws.cleanup();
            ws = createWorkspace();
          }
        },
      ),
      { numRuns: MERGE_RUNS },
    );
    // The generated logs really hold the cases this test is about.
    expect(seen.reinserts).toBeGreaterThan(0);
    expect(seen.deletes).toBeGreaterThan(0);
    expect(seen.authorsPerEntityAttribute).toBeGreaterThan(0);
  }, MERGE_RUNS * 2000);

  function checkConvergence(steps: Step[], skews: number[], deliveries: Array<{ seed: number; maxChunk: number }>): Change[] {
    const authors = runSteps(steps, skews);
    const changes = unionOfLogs(authors);
    const expected = expectedRows(changes);
    const replicas = deliveries.map(({ seed, maxChunk }) => {
      const replica = freshReplica('replica');
      deliver(replica, changes, seed, maxChunk);
      return replica;
    });

    const reference = logOf(replicas[0]!);
    expect(reference.changes).toHaveLength(changes.length);
    for (const replica of replicas) {
      expect(dumpTable(replica.sqlite, 'items', 'id')).toEqual(expected);
      expect(logOf(replica)).toEqual(reference);
    }
    // The authors themselves converge once each holds every change.
    for (const author of authors) {
      author.applyChanges(changes);
      expect(dumpTable(author.sqlite, 'items', 'id')).toEqual(expected);
      expect(logOf(author)).toEqual(reference);
    }

    // Applying everything again changes nothing.
    const again = replicas[0]!.applyChanges(changes);
    expect(again.applied).toBe(0);
    expect(again.duplicates).toBe(changes.length);
    expect(dumpTable(replicas[0]!.sqlite, 'items', 'id')).toEqual(expected);
    expect(logOf(replicas[0]!)).toEqual(reference);
    return changes;
  }

  it('keeps the greatest id per attribute whichever arrives first', () => {
    const a = freshReplica('a');
    const b = freshReplica('b');
    a.write([{ op: 'put', table: 'items', id: 'x', values: { a: 'first', c: 'kept' } }]);
    b.applyChanges(readChanges(a.sqlite));
    b.write([{ op: 'put', table: 'items', id: 'x', values: { a: 'second' } }]);
    const older = readChanges(a.sqlite);
    const newer = readChanges(b.sqlite).filter((c) => c.author === b.uuid);

    const late = freshReplica('late');
    late.applyChanges(newer); // the newer value arrives before the row's insert
    late.applyChanges(older);
    const result = dumpTable(late.sqlite, 'items', 'id');
    expect(result).toEqual([{ id: 't:"x"', a: 't:"second"', b: 'null', c: 't:"kept"' }]);
    expect(dumpTable(b.sqlite, 'items', 'id')).toEqual(result);
  });

  it('deletes a row whose latest _deleted is 1 and brings it back with a later _deleted 0', () => {
    const a = freshReplica('a');
    a.write([{ op: 'put', table: 'items', id: 'x', values: { a: 1 } }]);
    a.write([{ op: 'delete', table: 'items', id: 'x' }]);
    const deleted = readChanges(a.sqlite);
    a.write([{ op: 'put', table: 'items', id: 'x', values: { c: 'back' } }]);
    const all = readChanges(a.sqlite);

    const r = freshReplica('r');
    r.applyChanges(deleted);
    expect(dumpTable(r.sqlite, 'items', 'id')).toEqual([]);
    r.applyChanges(all);
    expect(dumpTable(r.sqlite, 'items', 'id')).toEqual([{ id: 't:"x"', a: 'null', b: 'null', c: 't:"back"' }]);

    // Only the delete, delivered last, must not win over the later re-insert.
    const s = freshReplica('s');
    s.applyChanges(all.filter((c) => !deleted.some((d) => d.id === c.id)));
    s.applyChanges(deleted);
    expect(dumpTable(s.sqlite, 'items', 'id')).toEqual(dumpTable(r.sqlite, 'items', 'id'));
  });

  it('reports duplicates and leaves table and log untouched when a batch is applied twice', () => {
    const a = freshReplica('a');
    a.write([
      { op: 'put', table: 'items', id: 'x', values: { a: 1, b: 2 } },
      { op: 'put', table: 'items', id: 'y', values: { c: 'y' } },
    ]);
    const changes = readChanges(a.sqlite);
    const r = freshReplica('r');
    expect(r.applyChanges(changes)).toMatchObject({ applied: changes.length, duplicates: 0 });
    const table = dumpTable(r.sqlite, 'items', 'id');
    const log = logOf(r);
    expect(r.applyChanges(changes)).toMatchObject({ applied: 0, duplicates: changes.length });
    expect(r.applyChanges([...changes].reverse())).toMatchObject({ applied: 0, duplicates: changes.length });
    expect(dumpTable(r.sqlite, 'items', 'id')).toEqual(table);
    expect(logOf(r)).toEqual(log);
  });
});

describe('changes for a table or column this database lacks', () => {
  function authorChanges(): Change[] {
    const a = freshReplica('author');
    a.write([
      { op: 'put', table: 'items', id: 'x', values: { a: 'A', b: 5, c: 'C' } },
      { op: 'put', table: 'items', id: 'y', values: { a: 'only a' } },
    ]);
    a.write([{ op: 'put', table: 'items', id: 'x', values: { c: 'C2' } }]);
    return readChanges(a.sqlite);
  }

  function narrowReplica(): { db: TidemarkDatabase; shell: Database } {
    const db = ws.open(`narrow-${opened++}.db`);
    db.sqlite.exec('CREATE TABLE items (id TEXT PRIMARY KEY, a)');
    db.track(['items']);
    return { db, shell: ws.shell(db.path.slice(ws.dir.length + 1)) };
  }

  it('keeps values of a missing column in the log, writes the rest, and does not crash', () => {
    const changes = authorChanges();
    const { db, shell } = narrowReplica();
    const result = db.applyChanges(changes);
    expect(result.applied).toBe(changes.length);
    expect(dumpTable(shell, 'items', 'id')).toEqual([
      { id: 't:"x"', a: 't:"A"' },
      { id: 't:"y"', a: 't:"only a"' },
    ]);
    expect(shell.prepare("SELECT count(*) FROM ZV_CHANGE WHERE attribute IN ('b', 'c')").pluck().get()).toBe(5);
    expect(db.status().waiting).toBe(5);
  });

  it('materializes them once the column is added and the engine refreshes', () => {
    const changes = authorChanges();
    const { db, shell } = narrowReplica();
    db.applyChanges(changes);
    shell.exec('ALTER TABLE items ADD COLUMN c TEXT');
    db.refresh();
    expect(dumpTable(shell, 'items', 'id')).toEqual([
      { id: 't:"x"', a: 't:"A"', c: 't:"C2"' },
      { id: 't:"y"', a: 't:"only a"', c: 'null' },
    ]);
    expect(db.status().waiting).toBe(2); // b is still missing
  });

  it('materializes them when the database is opened again after the column was added', () => {
    const changes = authorChanges();
    const { db, shell } = narrowReplica();
    db.applyChanges(changes);
    db.close();
    shell.exec('ALTER TABLE items ADD COLUMN b INTEGER');
    ws.open(db.path.slice(ws.dir.length + 1)).close();
    expect(dumpTable(shell, 'items', 'id')).toEqual([
      { id: 't:"x"', a: 't:"A"', b: 'i:5' },
      { id: 't:"y"', a: 't:"only a"', b: 'null' },
    ]);
  });

  // KNOWN BUG, fix belongs in database.ts (see the report of tests issue 3):
  // only open() and refresh() re-read tracked tables' columns; history(),
  // status(), write() and applyChanges() do not, so a column added while the
  // database is open stays empty until then. Flip to it() once fixed.
  it.each([
    ['history', (db: TidemarkDatabase) => db.history({})],
    ['status', (db: TidemarkDatabase) => db.status()],
    ['write', (db: TidemarkDatabase) => db.write([])],
    ['applyChanges', (db: TidemarkDatabase) => db.applyChanges([])],
  ])('materializes them on the next engine call (%s) after ALTER TABLE ADD COLUMN', (_name, touch) => {
    const changes = authorChanges();
    const { db, shell } = narrowReplica();
    db.applyChanges(changes);
    shell.exec('ALTER TABLE items ADD COLUMN c TEXT');
    touch(db);
    expect(dumpTable(shell, 'items', 'id')).toEqual([
      { id: 't:"x"', a: 't:"A"', c: 't:"C2"' },
      { id: 't:"y"', a: 't:"only a"', c: 'null' },
    ]);
  });

  it('keeps changes of a table that does not exist and materializes them once it is created and tracked', () => {
    const changes = authorChanges();
    const db = ws.open(`empty-${opened++}.db`);
    const result = db.applyChanges(changes);
    expect(result.applied).toBe(changes.length);
    expect(result.waiting).toBeGreaterThan(0);
    expect(readChanges(db.sqlite)).toEqual(changes);
    expect(db.status().waiting).toBe(changes.length);

    db.sqlite.exec(ITEMS);
    db.track(['items']);
    expect(dumpTable(db.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
    expect(dumpTable(db.sqlite, 'items', 'id')).toHaveLength(2);
    // Tracking wrote the log's rows, it did not record them again as our own.
    expect(readChanges(db.sqlite)).toEqual(changes);
  });

  it('keeps changes of an untracked table in the log and leaves its rows alone', () => {
    const changes = authorChanges();
    const db = ws.open(`untracked-${opened++}.db`);
    db.sqlite.exec(ITEMS);
    db.sqlite.prepare("INSERT INTO items (id, a) VALUES ('mine', 'local')").run();
    db.applyChanges(changes);
    expect(dumpTable(db.sqlite, 'items', 'id')).toEqual([{ id: 't:"mine"', a: 't:"local"', b: 'null', c: 'null' }]);
    expect(readChanges(db.sqlite)).toEqual(changes);
  });
});

// A joining device (its log empty) takes whole files in bulk (bulk-load.ts):
// no by-attribute index until the end, rows copied inside SQLite, each new
// entity's row written from the file that brought it. Whatever the files and
// their order, it must end exactly where the careful path ends.
describe('a joining device loading files in bulk', () => {
  const DATASET = '0190f5a0-0000-7000-8000-0000000000d5';
  const staged: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const file of staged.splice(0)) file.close();
  });

  /** One author's changes as batch files of 1..maxChunk changes; with `overlap`, one more file repeating some of them. */
  function asFiles(changes: Change[], seed: number, maxChunk: number, overlap: boolean): Buffer[] {
    const { random } = shuffled([], seed);
    const byAuthor = new Map<string, Change[]>();
    for (const change of changes) byAuthor.set(change.author, [...(byAuthor.get(change.author) ?? []), change]);
    const files: Buffer[] = [];
    for (const [author, own] of byAuthor) {
      for (let i = 0; i < own.length; ) {
        const size = 1 + Math.floor(random() * maxChunk);
        files.push(encodeBatch(own.slice(i, i + size), { dataset_uuid: DATASET, author, prev_sha256: '' }).bytes);
        i += size;
      }
      if (overlap) files.push(encodeBatch(own.filter((_, i) => i === own.length - 1 || random() < 0.5), { dataset_uuid: DATASET, author, prev_sha256: '' }).bytes);
    }
    return shuffled(files, seed ^ 0x5a5a).order;
  }

  /** Stages and applies files as a pull does; `sortAhead: false` leaves the newest values to the applying thread. */
  async function applyFiles(
    db: TidemarkDatabase,
    files: Buffer[],
    between?: (index: number) => TidemarkDatabase | void,
    sortAhead = true,
  ): Promise<TidemarkDatabase> {
    for (const [i, bytes] of files.entries()) {
      const file = await stageBatch(bytes, `batches/${i}.db.gz`, { latest: sortAhead && db.joining() });
      staged.push(file);
      db.applyFile(file);
      db = between?.(i) ?? db;
    }
    db.endBulkLoad();
    return db;
  }

  /** Stages the first of `files` (its newest values left to the applying thread) and applies it. */
  async function applyFirstFile(db: TidemarkDatabase, files: Buffer[]): Promise<ApplyResult> {
    const first = await stageBatch(files[0]!, 'batches/0.db.gz');
    staged.push(first);
    return db.applyFile(first);
  }

  const indexes = (db: TidemarkDatabase) => db.sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'ZV_CHANGE_by%' ORDER BY name").pluck().all();
  const marker = (db: TidemarkDatabase) => db.sqlite.prepare("SELECT value FROM ZV_METADATA WHERE key = 'bulk_load'").pluck().get();
  const ALL_INDEXES = ['ZV_CHANGE_by_attribute', 'ZV_CHANGE_by_table', 'ZV_CHANGE_by_transaction'];

  it('ends with the same tables and log as the careful path, for any files in any order, overlaps and crashes included', async () => {
    let overlaps = 0;
    let crashes = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 4, maxLength: 30, size: 'medium' }),
        fc.array(fc.integer({ min: -3000, max: 3000 }), { minLength: AUTHORS, maxLength: AUTHORS }),
        fc.record({
          seed: fc.integer(),
          maxChunk: fc.integer({ min: 1, max: 12 }),
          overlap: fc.boolean(),
          crashAfter: fc.option(fc.nat(6), { nil: undefined }),
          sortAhead: fc.boolean(),
        }),
        async (steps, skews, { seed, maxChunk, overlap, crashAfter, sortAhead }) => {
          try {
            const changes = unionOfLogs(runSteps(steps, skews));
            const careful = freshReplica('careful');
            careful.applyChanges(changes);

            const files = asFiles(changes, seed, maxChunk, overlap);
            if (overlap) overlaps += 1;
            let joining = freshReplica('joining');
            joining = await applyFiles(joining, files, (i) => {
              if (i !== crashAfter) return;
              crashes += 1;
              // The process dies between two files: committed work stays, the load's memory is gone.
              joining.sqlite.close();
              return fast(ws.open(joining.path.slice(ws.dir.length + 1)));
            }, sortAhead);

            expect(dumpTable(joining.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
            expect(logOf(joining)).toEqual(logOf(careful));
            expect(indexes(joining)).toEqual(ALL_INDEXES);
            expect(marker(joining)).toBeUndefined();
          } finally {
            ws.cleanup();
            ws = createWorkspace();
          }
        },
      ),
      { numRuns: MERGE_RUNS },
    );
    expect(overlaps).toBeGreaterThan(0);
    expect(crashes).toBeGreaterThan(0);
  }, MERGE_RUNS * 4000);

  function authorFiles(): { changes: Change[]; files: Buffer[] } {
    const a = freshReplica('author');
    a.write([
      { op: 'put', table: 'items', id: 'x', values: { a: 'A', b: 5, c: 'C' } },
      { op: 'put', table: 'items', id: 'y', values: { a: 'only a' } },
    ]);
    a.write([{ op: 'put', table: 'items', id: 'x', values: { c: 'C2' } }]);
    a.write([{ op: 'put', table: 'items', id: 'z', values: { a: 'Z' } }]);
    const changes = readChanges(a.sqlite);
    const header = { dataset_uuid: DATASET, author: a.uuid, prev_sha256: '' };
    return { changes, files: [encodeBatch(changes.slice(0, 5), header).bytes, encodeBatch(changes.slice(5), header).bytes] };
  }

  it('sets the by-attribute index aside while it loads, and puts it back at the end', async () => {
    const { changes, files } = authorFiles();
    const db = freshReplica('joining');
    expect((await applyFirstFile(db, files)).applied).toBe(5);
    expect(indexes(db)).toEqual(['ZV_CHANGE_by_table', 'ZV_CHANGE_by_transaction']);
    expect(marker(db)).toBe('joining');
    const synchronous = () => db.sqlite.pragma('synchronous', { simple: true });
    expect(synchronous()).toBe(1); // NORMAL while joining: a power cut only means pulling the last files again
    // Reading goes on during the load.
    expect(db.history({ limit: 100 }).entries).toHaveLength(5);
    await applyFiles(db, files.slice(1));
    expect(indexes(db)).toEqual(ALL_INDEXES);
    expect(synchronous()).toBe(2); // FULL again once the device holds the log
    expect(dumpTable(db.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
  });

  it('opening a join an older version left half done (all three indexes set aside) builds them all and every row', async () => {
    const { changes, files } = authorFiles();
    const db = freshReplica('joining');
    await applyFirstFile(db, files);
    db.sqlite.exec('DROP INDEX ZV_CHANGE_by_table; DROP INDEX ZV_CHANGE_by_transaction');
    db.sqlite.close(); // dies mid-join
    const reopened = fast(ws.open(db.path.slice(ws.dir.length + 1)));
    expect(indexes(reopened)).toEqual(ALL_INDEXES);
    expect(marker(reopened)).toBeUndefined();
    await applyFiles(reopened, files.slice(1));
    expect(dumpTable(reopened.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
  });

  it('a write in the middle of a join ends the load first, and the later files take the careful path', async () => {
    const { changes, files } = authorFiles();
    const db = freshReplica('joining');
    await applyFirstFile(db, files);
    db.write([{ op: 'put', table: 'items', id: 'x', values: { b: 99 } }]);
    expect(indexes(db)).toEqual(ALL_INDEXES);
    expect(marker(db)).toBeUndefined();
    await applyFiles(db, files.slice(1));
    const x = dumpTable(db.sqlite, 'items', 'id').find((row) => row.id === 't:"x"');
    expect(x).toEqual({ id: 't:"x"', a: 't:"A"', b: 'i:99', c: 't:"C2"' }); // our later write wins over b, the later c arrives
    expect(readChanges(db.sqlite)).toHaveLength(changes.length + 1);
  });

  it('a replica that already holds changes never drops its index', async () => {
    const { changes, files } = authorFiles();
    const db = freshReplica('holding');
    db.write([{ op: 'put', table: 'items', id: 'mine', values: { a: 'here first' } }]);
    await applyFirstFile(db, files);
    expect(indexes(db)).toEqual(ALL_INDEXES);
    await applyFiles(db, files.slice(1));
    expect(dumpTable(db.sqlite, 'items', 'id')).toEqual(expectedRows([...readChanges(db.sqlite)]));
    expect(readChanges(db.sqlite)).toHaveLength(changes.length + 3);
  });

  it('keeps changes of a table this device lacks in the log, and writes them once it is tracked', async () => {
    const { changes, files } = authorFiles();
    const db = ws.open(`lacking-${opened++}.db`);
    let waiting = 0;
    for (const [i, bytes] of files.entries()) {
      const file = await stageBatch(bytes, `batches/${i}.db.gz`);
      staged.push(file);
      waiting += db.applyFile(file).waiting;
    }
    db.endBulkLoad();
    expect(waiting).toBeGreaterThan(0);
    expect(readChanges(db.sqlite)).toEqual(changes);
    db.sqlite.exec(ITEMS);
    db.track(['items']);
    expect(dumpTable(db.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
  });
});

// Where the file worker wrote a file's newest values, a joining device writes
// the rows of each common list of attributes by one statement (bulk-rows.ts).
// Whatever comes through that way must end as the row-by-row path ends.
describe('a joining device writing rows inside SQLite', () => {
  const DATASET = '0190f5a0-0000-7000-8000-0000000000d5';
  const header = (db: TidemarkDatabase) => ({ dataset_uuid: DATASET, author: db.uuid, prev_sha256: '' });
  const ids = (prefix: string) => Array.from({ length: 40 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

  /** Applies `files` as a joining pull does (the worker sorting their newest values) and ends the load; each file's result. */
  async function applyJoining(db: TidemarkDatabase, files: Buffer[]): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    for (const [i, bytes] of files.entries()) {
      const file = await stageBatch(bytes, `batches/${i}.db.gz`, { latest: db.joining() });
      try {
        results.push(db.applyFile(file));
      } finally {
        file.close();
      }
    }
    db.endBulkLoad();
    return results;
  }

  async function join(files: Buffer[]): Promise<TidemarkDatabase> {
    const db = freshReplica('joining');
    await applyJoining(db, files);
    return db;
  }

  it('writes every kind of value exactly as the careful path does', async () => {
    const values: Value[] = [
      null, 0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n,
      1.0, 0.5, -2.25, 1e300, 5e-324, 0.1 + 0.2, Infinity, -Infinity,
      '', 'x', '12', '-7', '1.5', 'null', 'Ünïcode ☃', '😀', `q"u'ote`, 'back\\slash', 'tab\tand\nnewline',
      'nul\u0000inside', 'line\u2028separator', 'del\u007f', '{"$blob":"AA=="}',
      new Uint8Array([0, 255]), new Uint8Array([]),
    ];
    const author = freshReplica('author');
    // Each value in each column (no affinity, INTEGER, TEXT), one list of attributes for all.
    author.write(
      ids('v').map((id, i) => ({ op: 'put' as const, table: 'items', id, values: { a: values[i % values.length]!, b: values[(i + 7) % values.length]!, c: values[(i + 13) % values.length]! } })),
    );
    const changes = readChanges(author.sqlite);
    const careful = freshReplica('careful');
    careful.applyChanges(changes);
    const joining = await join([encodeBatch(changes, header(author)).bytes]);
    expect(dumpTable(joining.sqlite, 'items', 'id')).toEqual(dumpTable(careful.sqlite, 'items', 'id'));
    expect(dumpTable(joining.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
  });

  it('keeps the newest values whichever file comes first, an entity of a rarer list included', async () => {
    const author = freshReplica('author');
    // The older file: e00 with a list of its own (written row by row), the rest with all three.
    author.write([
      { op: 'put', table: 'items', id: 'e00', values: { a: 'old e00' } },
      ...ids('e').slice(1).map((id) => ({ op: 'put' as const, table: 'items', id, values: { a: `old ${id}`, b: 1, c: 'old' } })),
    ]);
    const older = readChanges(author.sqlite);
    author.write(ids('e').map((id) => ({ op: 'put' as const, table: 'items', id, values: { a: `new ${id}`, b: 2, c: 'new' } })));
    const changes = readChanges(author.sqlite);
    const files = [encodeBatch(older, header(author)).bytes, encodeBatch(changes.slice(older.length), header(author)).bytes];
    for (const order of [files, [...files].reverse()]) {
      const joining = await join(order);
      expect(dumpTable(joining.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
      expect(dumpTable(joining.sqlite, 'items', 'id').map((row) => row.a)).toEqual(ids('e').map((id) => `t:"new ${id}"`));
    }
  });

  it('leaves an entity deleted by an earlier file deleted when a later file updates it', async () => {
    const [a, b] = [freshReplica('author-a'), freshReplica('author-b')];
    a.write([{ op: 'put', table: 'items', id: 'd00', values: { a: 'made' } }]);
    b.applyChanges(readChanges(a.sqlite));
    a.write([{ op: 'delete', table: 'items', id: 'd00' }]);
    // B had not seen the delete: its update is concurrent, in one list with rows that are new.
    b.write([
      { op: 'put', table: 'items', id: 'd00', values: { a: 'updated', b: 1, c: 'x' } },
      ...ids('n').map((id) => ({ op: 'put' as const, table: 'items', id, values: { a: 'new', b: 2, c: 'y' } })),
    ]);
    const fromA = readChanges(a.sqlite);
    const fromB = readChanges(b.sqlite).filter((change) => change.author === b.uuid);
    const changes = [...fromA, ...fromB].sort((x, y) => (x.id < y.id ? -1 : 1));
    const joining = await join([encodeBatch(fromA, header(a)).bytes, encodeBatch(fromB, header(b)).bytes]);
    const rows = dumpTable(joining.sqlite, 'items', 'id');
    expect(rows).toEqual(expectedRows(changes));
    expect(rows.map((row) => row.id)).toEqual(ids('n').map((id) => `t:"${id}"`));
  });

  it('writes an entity that waited on a constraint once a later file brings what it lacked', async () => {
    const author = freshReplica('author');
    author.write([
      { op: 'put', table: 'items', id: 'w00', values: { a: 'no b yet' } },
      ...ids('m').map((id) => ({ op: 'put' as const, table: 'items', id, values: { a: 'm', b: 1, c: 'm' } })),
    ]);
    const first = readChanges(author.sqlite);
    author.write([
      { op: 'put', table: 'items', id: 'w00', values: { a: 'complete', b: 5, c: 'now' } },
      ...ids('n').map((id) => ({ op: 'put' as const, table: 'items', id, values: { a: 'n', b: 2, c: 'n' } })),
    ]);
    const changes = readChanges(author.sqlite);
    const joining = ws.open(`not-null-${opened++}.db`);
    joining.sqlite.exec('CREATE TABLE items (id TEXT PRIMARY KEY, a, b INTEGER NOT NULL, c TEXT)');
    joining.track(['items']);
    const results = await applyJoining(joining, [first, changes.slice(first.length)].map((part) => encodeBatch(part, header(author)).bytes));
    expect(results.map((result) => result.waiting)).toEqual([1, 0]);
    expect(dumpTable(joining.sqlite, 'items', 'id')).toEqual(expectedRows(changes));
    expect(dumpTable(joining.sqlite, 'items', 'id').find((row) => row.id === 't:"w00"')).toEqual({ id: 't:"w00"', a: 't:"complete"', b: 'i:5', c: 't:"now"' });
  });
});

describe('a joining device writing rows that break a constraint', () => {
  it.each([
    ['one by one', false],
    ['by one statement from the newest values', true],
  ])('writes each row that can be written and keeps the other waiting, as the careful path does (%s)', async (_how, latest) => {
    const UNIQUE_ITEMS = 'CREATE TABLE items (id TEXT PRIMARY KEY, a TEXT UNIQUE, b INTEGER, c TEXT)';
    const author = ws.open(`unique-author-${opened++}.db`);
    author.sqlite.exec(ITEMS); // the author's table has no UNIQUE: both rows exist there
    author.track(['items']);
    author.write([
      { op: 'put', table: 'items', id: 'p', values: { a: 'same', b: 1, c: 'x' } },
      { op: 'put', table: 'items', id: 'q', values: { a: 'same', b: 2, c: 'y' } },
      { op: 'put', table: 'items', id: 'r', values: { a: 'other', b: 3, c: 'z' } },
    ]);
    const changes = readChanges(author.sqlite);
    const bytes = encodeBatch(changes, { dataset_uuid: '0190f5a0-0000-7000-8000-0000000000d5', author: author.uuid, prev_sha256: '' }).bytes;

    const replicas = ['careful', 'joining'].map((label) => {
      const db = ws.open(`unique-${label}-${opened++}.db`);
      db.sqlite.exec(UNIQUE_ITEMS);
      db.track(['items']);
      return db;
    });
    replicas[0]!.write([{ op: 'put', table: 'items', id: 'mine', values: { a: 'mine' } }]);
    for (const db of replicas) {
      const file = await stageBatch(bytes, 'batches/unique.db.gz', { latest: latest && db.joining() });
      try {
        expect(db.applyFile(file).waiting).toBe(1);
      } finally {
        file.close();
      }
      db.endBulkLoad();
    }
    const [careful, joining] = replicas.map((db) => dumpTable(db.sqlite, 'items', 'id').filter((row) => row.id !== 't:"mine"'));
    expect(joining).toEqual(careful);
    expect(joining!.map((row) => row.id)).toEqual(['t:"p"', 't:"r"']);
  });
});
