// DESIGN.md section 1, tracking: which tables can be tracked, the explanation
// when one cannot, all-or-nothing tracking of several tables, and existing
// rows recorded as this replica's first changes.

import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { TidemarkError, type TidemarkErrorDetail } from '../../src/shared/errors';
import { createWorkspace, dumpDatabase, dumpTable, readChanges, triggerNames, UUID7, type Workspace } from '../support/engine-fixtures';

let ws: Workspace;
let db: TidemarkDatabase;
let shell: Database;
beforeEach(() => {
  ws = createWorkspace();
  db = ws.open('a.db');
  shell = ws.shell('a.db');
});
afterEach(() => ws.cleanup());

function trackError(tables: string[]): TidemarkErrorDetail {
  try {
    db.track(tables);
  } catch (error) {
    if (error instanceof TidemarkError) return error.detail;
    throw error;
  }
  throw new Error(`tracking ${tables.join(', ')} succeeded`);
}

describe('tables that cannot be tracked', () => {
  it.each([
    ['INTEGER PRIMARY KEY', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'],
    ['INTEGER PRIMARY KEY AUTOINCREMENT', 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)'],
    ['lower-case integer key as a table constraint', 'CREATE TABLE t (id integer, v TEXT, PRIMARY KEY (id))'],
  ])('refuses %s and explains that ids would collide across devices', (_label, sql) => {
    shell.exec(sql);
    const detail = trackError(['t']);
    expect(detail.kind).toBe('table-untrackable');
    if (detail.kind !== 'table-untrackable') return;
    expect(detail.reason).toMatch(/INTEGER PRIMARY KEY/);
    expect(detail.reason).toMatch(/devices/);
    expect(detail.hint).toMatch(/TEXT primary key/i);
    expect(new TidemarkError(detail).message).toBe(`Table "t" cannot be tracked: ${detail.reason}`);
  });

  it('accepts an INTEGER key that SQLite does not number itself (WITHOUT ROWID)', () => {
    shell.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID');
    shell.exec("INSERT INTO t VALUES (7, 'seven')");
    expect(db.track(['t'])).toEqual([{ table: 't', changes: 1 }]);
  });

  it('refuses a key without a declared type, where 5 and "5" are two rows but one entity id', () => {
    shell.exec("CREATE TABLE t (id PRIMARY KEY, v); INSERT INTO t VALUES (5, 'integer five'), ('5', 'text five')");
    const detail = trackError(['t']);
    expect(detail).toMatchObject({ kind: 'table-untrackable' });
    expect(detail.kind === 'table-untrackable' && detail.reason).toMatch(/no declared type/);
    expect(triggerNames(shell)).toEqual([]);
  });

  it('refuses a table without a primary key', () => {
    shell.exec('CREATE TABLE t (a TEXT, b TEXT)');
    expect(trackError(['t'])).toMatchObject({ kind: 'table-untrackable', reason: 'it has no primary key' });
  });

  it('refuses a composite primary key and names its columns', () => {
    shell.exec('CREATE TABLE t (a TEXT, b TEXT, v, PRIMARY KEY (a, b))');
    const detail = trackError(['t']);
    expect(detail).toMatchObject({ kind: 'table-untrackable' });
    expect(detail.kind === 'table-untrackable' && detail.reason).toMatch(/2 columns \(a, b\)/);
  });

  it('refuses a column named _deleted, which would clash with deletions', () => {
    shell.exec('CREATE TABLE t (id TEXT PRIMARY KEY, _deleted INTEGER)');
    expect(trackError(['t'])).toMatchObject({ kind: 'table-untrackable' });
  });

  it("refuses Tidemark's own tables", () => {
    expect(trackError(['ZV_CHANGE'])).toMatchObject({ kind: 'table-untrackable' });
  });

  it('refuses a table holding a row whose primary key is NULL, which could never sync', () => {
    // SQLite lets a non-INTEGER primary key of a rowid table be NULL.
    shell.exec("CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (NULL, 'lost'), ('k', 'kept')");
    const detail = trackError(['t']);
    expect(detail).toMatchObject({ kind: 'table-untrackable' });
    expect(detail.kind === 'table-untrackable' && detail.reason).toMatch(/NULL/);
    expect(triggerNames(shell)).toEqual([]);
  });

  it('says that a table does not exist, for a missing table and for a view', () => {
    shell.exec('CREATE TABLE real_table (id TEXT PRIMARY KEY); CREATE VIEW a_view AS SELECT * FROM real_table');
    expect(trackError(['nope'])).toMatchObject({ kind: 'table-missing', table: 'nope' });
    expect(trackError(['a_view'])).toMatchObject({ kind: 'table-missing', table: 'a_view' });
  });

  it('lists why each untracked table cannot be tracked', () => {
    shell.exec('CREATE TABLE good (id TEXT PRIMARY KEY); CREATE TABLE numbered (id INTEGER PRIMARY KEY); CREATE TABLE bare (x)');
    const tables = db.tables();
    expect(tables.find((t) => t.name === 'good')).toEqual({ name: 'good', tracked: false });
    expect(tables.find((t) => t.name === 'numbered')?.untrackableReason).toMatch(/INTEGER PRIMARY KEY/);
    expect(tables.find((t) => t.name === 'bare')?.untrackableReason).toBe('it has no primary key');
  });
});

describe('tracking several tables at once', () => {
  beforeEach(() => {
    shell.exec(`CREATE TABLE good (id TEXT PRIMARY KEY, v TEXT);
      INSERT INTO good VALUES ('a', '1'), ('b', '2');
      CREATE TABLE numbered (id INTEGER PRIMARY KEY, v TEXT);
      CREATE TABLE nullkey (id TEXT PRIMARY KEY, v TEXT);
      INSERT INTO nullkey VALUES (NULL, 'x');`);
  });

  it.each([
    ['a missing table', ['good', 'missing'], 'table-missing'],
    ['an INTEGER PRIMARY KEY table', ['good', 'numbered'], 'table-untrackable'],
    ['a table with a NULL key', ['good', 'nullkey'], 'table-untrackable'],
  ])('leaves the database unchanged when one of them is %s', (_label, tables, kind) => {
    db.status();
    const before = dumpDatabase(shell);
    expect(trackError(tables)).toMatchObject({ kind });
    expect(triggerNames(shell)).toEqual([]);
    expect(shell.prepare('SELECT count(*) FROM ZV_TRACKED').pluck().get()).toBe(0);
    expect(dumpDatabase(shell)).toEqual(before);
    // The open database does not believe otherwise either.
    expect(db.tables().find((t) => t.name === 'good')?.tracked).toBe(false);
    expect(db.status().tracked).toEqual([]);
    // Writes to it are not captured.
    shell.exec("UPDATE good SET v = 'changed' WHERE id = 'a'");
    expect(db.refresh()).toBe(0);
  });
});

describe('tracking a table with rows', () => {
  it('records every existing value as one transaction of initial changes by this replica', () => {
    shell.exec(`CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, n INTEGER, data BLOB);
      INSERT INTO notes VALUES ('n1', 'first', 1, x'00ff'), ('n2', NULL, 9007199254740993, NULL);`);
    const rowsBefore = dumpTable(shell, 'notes', 'id');
    expect(db.track(['notes'])).toEqual([{ table: 'notes', changes: 6 }]);
    const changes = readChanges(shell);
    expect(changes.map((c) => [c.entityId, c.attribute, c.oldValue, c.newValue])).toEqual([
      ['n1', 'title', null, '"first"'],
      ['n1', 'n', null, '1'],
      ['n1', 'data', null, '{"$blob":"AP8="}'],
      ['n2', 'title', null, 'null'],
      ['n2', 'n', null, '9007199254740993'],
      ['n2', 'data', null, 'null'],
    ]);
    expect(new Set(changes.map((c) => c.transactionId)).size).toBe(1);
    expect(changes.every((c) => c.author === db.uuid && UUID7.test(c.id) && c.entityType === 'notes')).toBe(true);
    expect(dumpTable(shell, 'notes', 'id')).toEqual(rowsBefore);
    expect(db.status().tracked).toEqual([{ table: 'notes', primaryKey: 'id', rows: 2, changes: 6 }]);
  });

  it('records a key-only row as _deleted 0 so it exists elsewhere', () => {
    shell.exec("CREATE TABLE tags (name TEXT PRIMARY KEY); INSERT INTO tags VALUES ('red')");
    db.track(['tags']);
    expect(readChanges(shell).map((c) => [c.entityId, c.attribute, c.oldValue, c.newValue])).toEqual([['red', '_deleted', null, '0']]);
  });

  it('records nothing again when the table is tracked a second time or the file reopened', () => {
    shell.exec("CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT); INSERT INTO notes VALUES ('n1', 'a')");
    db.track(['notes']);
    const log = readChanges(shell);
    expect(db.track(['notes'])).toEqual([{ table: 'notes', changes: 0 }]);
    db.close();
    ws.open('a.db').status();
    expect(readChanges(shell)).toEqual(log);
  });

  it('records more than one page of rows', () => {
    shell.exec('CREATE TABLE big (id TEXT PRIMARY KEY, v)');
    const insert = shell.prepare('INSERT INTO big VALUES (?, ?)');
    shell.transaction(() => {
      for (let i = 0; i < 2500; i++) insert.run(`k${String(i).padStart(5, '0')}`, i);
    })();
    expect(db.track(['big'])).toEqual([{ table: 'big', changes: 2500 }]);
    expect(shell.prepare('SELECT count(DISTINCT entity_id) FROM ZV_CHANGE').pluck().get()).toBe(2500);
  });

  it('records every kind of value, in key order, as when the log already holds changes of the table', () => {
    // A table the log holds nothing of is recorded in one statement; one it holds
    // changes of is recorded row by row. Both must make the same changes.
    const VALUES: unknown[] = [
      null, 9007199254740993n, -9223372036854775808n, 1.0, 0.1, -2.5e-300, Infinity, -Infinity,
      Buffer.from([0, 1, 2, 0xfe, 0xff]), Buffer.alloc(0), `say "hi" it's \\ /`, 'naïve ☃ 𝄞 日本\n\t\u0000end\u2028\u007f', '42', '',
    ];
    const TABLE = 'CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, "odd ""name""; x", n INTEGER)';
    const fill = (sqlite: Database) => {
      sqlite.exec(TABLE);
      const insert = sqlite.prepare('INSERT INTO notes VALUES (?, ?, ?, ?)');
      // Keys written out of order: changes follow the key.
      for (let i = 0; i < 1500; i++) insert.run(`k${String((i * 7919) % 1500).padStart(4, '0')}`, `t${i}`, VALUES[i % VALUES.length], i);
    };
    const triples = (sqlite: Database) =>
      sqlite.prepare("SELECT entity_id, attribute, old_value, new_value FROM ZV_CHANGE WHERE entity_id <> 'zz' ORDER BY id").raw(true).all();

    const source = ws.open('source.db');
    source.sqlite.exec(TABLE);
    source.track(['notes']);
    source.write([{ op: 'put', table: 'notes', id: 'zz', values: { n: 1 } }]);
    const other = ws.open('other.db');
    const otherShell = ws.shell('other.db');
    fill(otherShell);
    other.applyChanges(readChanges(ws.shell('source.db')));
    expect(other.track(['notes'])).toEqual([{ table: 'notes', changes: 1500 * 3 }]);

    fill(shell);
    expect(db.track(['notes'])).toEqual([{ table: 'notes', changes: 1500 * 3 }]);
    const recorded = triples(shell);
    expect(recorded).toEqual(triples(otherShell));
    expect(recorded.slice(0, 3)).toEqual([
      ['k0000', 'title', null, '"t0"'],
      ['k0000', 'odd "name"; x', null, 'null'],
      ['k0000', 'n', null, '0'],
    ]);
    expect(shell.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'ZV_CHANGE_by%' ORDER BY name").pluck().all()).toEqual([
      'ZV_CHANGE_by_attribute',
      'ZV_CHANGE_by_table',
      'ZV_CHANGE_by_transaction',
    ]);
    // And the log answers for an entity through the rebuilt index.
    expect(db.history({ table: 'notes', entityId: 'k0001' }).entries.map((e) => e.attribute).sort()).toEqual(['n', 'odd "name"; x', 'title']);
  });

  it('installs capture triggers only for the tracked table', () => {
    shell.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, t TEXT); CREATE TABLE other (id TEXT PRIMARY KEY, t TEXT)');
    db.track(['notes']);
    shell.exec("INSERT INTO other VALUES ('o', 'x')");
    expect(db.refresh()).toBe(0);
    shell.exec("INSERT INTO notes VALUES ('n', 'x')");
    expect(db.refresh()).toBe(1);
    expect(triggerNames(shell).every((name) => name.startsWith('ZV_') && name.includes('notes'))).toBe(true);
  });
});
