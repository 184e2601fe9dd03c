// DESIGN.md section 1: the three contract tables exactly as written, the
// replica identity, WAL, and adopting an existing file without touching it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, timeOfId } from '../../src/main/engine/hlc';
import { createWorkspace, dumpTable, UUID7, type Workspace } from '../support/engine-fixtures';

let ws: Workspace;
beforeEach(() => {
  ws = createWorkspace();
});
afterEach(() => ws.cleanup());

interface Column {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

function columns(name: string, table: string): Array<[string, string, number, number]> {
  const shell = ws.shell(name);
  const info = shell.prepare(`PRAGMA table_info(${table})`).all() as Column[];
  return info.map((c) => [c.name, c.type, c.notnull, c.pk]);
}

describe('contract tables (DESIGN.md 1)', () => {
  it('creates ZV_METADATA, ZV_TRANSACTION and ZV_CHANGE with the exact columns, types, NOT NULL and keys', () => {
    ws.open('a.db').close();
    expect(columns('a.db', 'ZV_METADATA')).toEqual([
      ['key', 'TEXT', 1, 1],
      ['value', 'TEXT', 1, 0],
    ]);
    expect(columns('a.db', 'ZV_TRANSACTION')).toEqual([
      ['id', 'TEXT', 1, 1],
      ['author', 'TEXT', 1, 0],
    ]);
    expect(columns('a.db', 'ZV_CHANGE')).toEqual([
      ['id', 'TEXT', 1, 1],
      ['transaction_id', 'TEXT', 1, 0],
      ['entity_type', 'TEXT', 1, 0],
      ['entity_id', 'TEXT', 1, 0],
      ['attribute', 'TEXT', 1, 0],
      ['old_value', 'TEXT', 0, 0],
      ['new_value', 'TEXT', 0, 0],
    ]);
  });

  it('declares the one foreign key from ZV_CHANGE.transaction_id to ZV_TRANSACTION.id', () => {
    ws.open('a.db').close();
    const shell = ws.shell('a.db');
    const keys = shell.prepare('PRAGMA foreign_key_list(ZV_CHANGE)').all() as Array<{ table: string; from: string; to: string }>;
    expect(keys.map((k) => [k.table, k.from, k.to])).toEqual([['ZV_TRANSACTION', 'transaction_id', 'id']]);
    expect(shell.prepare('PRAGMA foreign_key_list(ZV_TRANSACTION)').all()).toEqual([]);
    expect(shell.prepare('PRAGMA foreign_key_list(ZV_METADATA)').all()).toEqual([]);
    // The log is still a valid foreign-key graph after real work.
    const db = ws.open('b.db');
    db.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)');
    db.track(['notes']);
    db.write([{ op: 'put', table: 'notes', id: 'n1', values: { body: 'x' } }]);
    expect(db.sqlite.prepare('PRAGMA foreign_key_check(ZV_CHANGE)').all()).toEqual([]);
  });

  it('gives every engine table of its own the ZV_ prefix', () => {
    ws.open('a.db').close();
    const shell = ws.shell('a.db');
    const names = shell.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) expect(name).toMatch(/^ZV_/);
  });
});

describe('replica identity', () => {
  it('sets database_uuid once to a UUIDv7 stamped with the clock, and keeps it on reopen', () => {
    const clock = createManualClock(Date.UTC(2026, 2, 1, 12));
    const first = ws.open('a.db', { clock });
    const uuid = first.uuid;
    expect(uuid).toMatch(UUID7);
    expect(timeOfId(uuid)).toBe(Date.UTC(2026, 2, 1, 12));
    first.close();

    clock.advance(3_600_000);
    const again = ws.open('a.db', { clock });
    expect(again.uuid).toBe(uuid);
    again.close();

    const shell = ws.shell('a.db');
    const rows = shell.prepare("SELECT value FROM ZV_METADATA WHERE key = 'database_uuid'").pluck().all();
    expect(rows).toEqual([uuid]);
  });

  it('gives two new databases different identities', () => {
    const a = ws.open('a.db');
    const b = ws.open('b.db');
    expect(a.uuid).not.toBe(b.uuid);
  });

  it('puts the database in WAL mode, as another connection sees it', () => {
    ws.open('a.db').close();
    expect(ws.shell('a.db').pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('commits durably (synchronous = FULL), new or reopened, where a plain connection gets NORMAL', () => {
    const created = ws.open('a.db');
    expect(created.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    created.close();
    // better-sqlite3's default for a WAL file: a power cut could take back the last commits.
    expect(ws.shell('a.db').pragma('synchronous', { simple: true })).toBe(1);
    const reopened = ws.open('a.db');
    expect(reopened.sqlite.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('creates a new database with 8 KiB pages, which survive reopening', () => {
    ws.open('a.db').close();
    expect(ws.shell('a.db').pragma('page_size', { simple: true })).toBe(8192);
    const again = ws.open('a.db');
    again.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)');
    again.track(['notes']);
    again.write([{ op: 'put', table: 'notes', id: 'n1', values: { body: 'x' } }]);
    again.close();
    const shell = ws.shell('a.db');
    expect(shell.pragma('page_size', { simple: true })).toBe(8192);
    expect(shell.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('adopting an existing SQLite file', () => {
  const userSchema = [
    `CREATE TABLE "odd ""name""; x" (id TEXT PRIMARY KEY, "a b" TEXT, n INTEGER, r REAL, data BLOB, anything)`,
    'CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL)',
    'CREATE TABLE loose (a, b)',
    'CREATE INDEX loose_by_a ON loose (a)',
    'CREATE VIEW counter_labels AS SELECT label FROM counters',
    'CREATE TRIGGER counters_audit AFTER INSERT ON counters BEGIN INSERT INTO loose VALUES (NEW.id, NEW.label); END',
  ];

  function seed(): void {
    const shell = ws.shell('app.db');
    shell.exec(userSchema.join(';\n'));
    shell.pragma('user_version = 42');
    const insert = shell.prepare(`INSERT INTO "odd ""name""; x" VALUES (?, ?, ?, ?, ?, ?)`);
    insert.run('k1', 'héllo "quoted" \'single\' ☃', 9007199254740993n, 1.0, Buffer.from([0, 1, 2, 255]), null);
    insert.run('k2', null, -5n, -0.5, Buffer.alloc(0), 'text');
    insert.run('k3', '', 0n, 1e300, null, 3.25);
    shell.prepare('INSERT INTO counters (label) VALUES (?)').run('first');
    shell.prepare('INSERT INTO counters (label) VALUES (?)').run('second');
    shell.close();
  }

  function snapshot() {
    const shell = ws.shell('app.db');
    const result = {
      odd: dumpTable(shell, 'odd "name"; x', 'id'),
      counters: dumpTable(shell, 'counters', 'id'),
      loose: dumpTable(shell, 'loose', 'a'),
      sequence: shell.prepare('SELECT name, seq FROM sqlite_sequence').all(),
      userVersion: shell.pragma('user_version', { simple: true }),
      schema: shell
        .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'ZV\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        .all(),
    };
    shell.close();
    return result;
  }

  it('keeps every user row, the schema SQL and user_version exactly as they were', () => {
    seed();
    const before = snapshot();
    expect(before.odd).toHaveLength(3);
    expect(before.schema).toHaveLength(userSchema.length);

    const db = ws.open('app.db');
    expect(db.tables().map((t) => t.name)).toEqual(['counters', 'loose', 'odd "name"; x']);
    db.close();
    expect(snapshot()).toEqual(before);
  });

  it("keeps the file's own page size: only a new, empty file gets the engine's", () => {
    seed();
    expect(ws.shell('app.db').pragma('page_size', { simple: true })).toBe(4096);
    const db = ws.open('app.db');
    db.track(['odd "name"; x']);
    db.close();
    expect(ws.shell('app.db').pragma('page_size', { simple: true })).toBe(4096);
  });

  it('keeps the rows identical when a table is tracked and the file reopened', () => {
    seed();
    const before = snapshot();
    const db = ws.open('app.db');
    db.track(['odd "name"; x']);
    db.close();
    ws.open('app.db').close();
    const after = snapshot();
    expect(after.odd).toEqual(before.odd);
    expect(after.counters).toEqual(before.counters);
    expect(after.loose).toEqual(before.loose);
    expect(after.schema).toEqual(before.schema); // triggers of our own are ZV_ prefixed
  });
});
