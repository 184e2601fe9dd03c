// The real `tidemark` command as a child process over real files: what a
// person sees on stdout and stderr, the exit code, and what happens to the
// database, especially when the input is wrong.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { openDatabase } from '../../src/main/engine/database';
import { timeOfId } from '../../src/main/engine/hlc';
import { dumpDatabase, readChanges, TEMP_ROOT, UUID7 } from '../support/engine-fixtures';

const BIN = resolve(__dirname, '../../bin/tidemark.mjs');
const root = mkdtempSync(join(TEMP_ROOT, 'tidemark-cli-'));
let dirs = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tempDir(): string {
  return mkdtempSync(join(root, `t${dirs++}-`));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tidemark(...args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Rows of every table and the schema, read by a plain connection. */
function contents(path: string): Record<string, unknown> {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    return { ...dumpDatabase(db), journal_mode: db.pragma('journal_mode', { simple: true }) };
  } finally {
    db.close();
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A database with user data made by some other program (never seen by Tidemark). */
function appDatabase(path: string): void {
  const db = new BetterSqlite3(path);
  db.exec(`CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, n INTEGER);
    INSERT INTO notes VALUES ('n1', 'Groceries', 1), ('n2', 'Ideas', 9007199254740993);
    CREATE TABLE tags (name TEXT PRIMARY KEY, color TEXT);
    INSERT INTO tags VALUES ('red', '#f00'), ('blue', '#00f'), ('green', NULL);
    CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT);
    INSERT INTO counters (label) VALUES ('a');`);
  db.close();
}

/** A refused command: non-zero exit, one line naming the problem (and at most a hint), no stack trace. */
function expectRefusal(expect: ExpectStatic, run: Run, problem: RegExp, code?: number): void {
  expect(run.code).not.toBe(0);
  if (code !== undefined) expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^tidemark: /);
  expect(lines[0]).toMatch(problem);
  expect(lines.length).toBeLessThanOrEqual(2);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/Internal error/);
}

describe.concurrent('tidemark init', () => {
  it('creates the database, prints its uuid, and keeps that uuid when run again', async ({ expect }) => {
    const path = join(tempDir(), 'new.db');
    const first = await tidemark('init', path);
    expect(first.code).toBe(0);
    const uuid = first.stdout.trim();
    expect(uuid).toMatch(UUID7);
    expect(first.stdout).toBe(`${uuid}\n`);
    expect(existsSync(path)).toBe(true);
    const stored = contents(path);
    expect(stored.ZV_METADATA).toContainEqual(['t:"database_uuid"', `t:${JSON.stringify(uuid)}`]);
    expect(stored.journal_mode).toBe('wal');

    const again = await tidemark('init', path, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ database_uuid: uuid, created: false, tables: [] });
  });

  it('adopts an existing SQLite file and keeps its data and schema', async ({ expect }) => {
    const path = join(tempDir(), 'app.db');
    appDatabase(path);
    const before = contents(path);
    const run = await tidemark('init', path, '--json', '--name', 'Work laptop');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({ name: 'Work laptop', created: false, tables: ['counters', 'notes', 'tags'] });
    expect(output.database_uuid).toMatch(UUID7);
    const after = contents(path);
    for (const table of ['notes', 'tags', 'counters', 'sqlite_sequence']) expect(after[table]).toEqual(before[table]);
    const userSchema = (dump: Record<string, unknown>) =>
      (dump.schema as Array<{ name: string }>).filter((entry) => !/^(ZV_|sqlite_autoindex_ZV)/i.test(entry.name));
    expect(userSchema(after)).toEqual(userSchema(before));
  });
});

describe.concurrent('tidemark track, status and log', () => {
  it('tracks tables, then reports them in status --json and their changes in log --json', async ({ expect }) => {
    const path = join(tempDir(), 'app.db');
    appDatabase(path);
    const db = openDatabase(path);
    const uuid = db.uuid;
    db.close();

    const track = await tidemark('track', path, 'notes', 'tags', '--json');
    expect(track.code).toBe(0);
    expect(JSON.parse(track.stdout)).toEqual([
      { table: 'notes', changes: 4 },
      { table: 'tags', changes: 3 },
    ]);

    // The sqlite3 shell edits; the CLI sees it as this replica's change.
    const shell = new BetterSqlite3(path);
    shell.exec("UPDATE notes SET title = 'Groceries and more' WHERE id = 'n1'; DELETE FROM tags WHERE name = 'blue'");
    shell.close();

    const [status, log] = await Promise.all([tidemark('status', path, '--json'), tidemark('log', path, '--json')]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      path,
      database_uuid: uuid,
      name: expect.any(String),
      tracked_tables: [
        { table: 'notes', primary_key: 'id', rows: 2, changes: 5 },
        { table: 'tags', primary_key: 'name', rows: 2, changes: 4 },
      ],
      untracked_tables: [{ table: 'counters', reason: expect.stringMatching(/INTEGER PRIMARY KEY/) }],
      changes: 9,
      transactions: expect.any(Number),
      authors: 1,
      waiting: 0,
      conflicts: 0,
    });

    expect(log.code).toBe(0);
    const entries = JSON.parse(log.stdout) as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(9);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(
        ['attribute', 'author', 'entity_id', 'id', 'new_value', 'old_value', 'table', 'time', 'transaction_id'].sort(),
      );
      expect(entry.author).toBe(uuid);
      expect(entry.time).toBe(new Date(timeOfId(entry.id as string)!).toISOString());
    }
    const ids = entries.map((e) => e.id as string);
    expect(ids).toEqual([...ids].sort().reverse()); // newest first
    expect(entries.slice(0, 2).map((e) => [e.table, e.entity_id, e.attribute, e.old_value, e.new_value])).toEqual(
      expect.arrayContaining([
        ['notes', 'n1', 'title', '"Groceries"', '"Groceries and more"'],
        ['tags', 'blue', '_deleted', null, '1'],
      ]),
    );
    expect(entries.find((e) => e.entity_id === 'n2' && e.attribute === 'n')).toMatchObject({ old_value: null, new_value: '9007199254740993' });
  });

  it('filters log by --table, --entity, --author and --limit', async ({ expect }) => {
    const path = join(tempDir(), 'app.db');
    appDatabase(path);
    const db = openDatabase(path);
    db.track(['notes', 'tags']);
    // Changes of a second replica, as a sync would bring them.
    const otherPath = join(tempDir(), 'other.db');
    const other = openDatabase(otherPath, { create: true });
    other.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, n INTEGER)');
    other.track(['notes']);
    other.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'from the other device' } }]);
    db.applyChanges(readChanges(other.sqlite));
    const otherUuid = other.uuid;
    const all = readChanges(db.sqlite).reverse();
    db.close();
    other.close();

    const [byTableLimited, byEntity, byAuthor] = await Promise.all([
      tidemark('log', path, '--table', 'tags', '--limit', '2', '--json'),
      tidemark('log', path, '--entity', 'notes:n1', '--json'),
      tidemark('log', path, '--author', otherUuid, '--json'),
    ]);
    const idsOf = (run: { code: number | null; stdout: string }) => {
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as Array<{ id: string }>).map((e) => e.id);
    };
    const tagChanges = all.filter((c) => c.entityType === 'tags');
    expect(tagChanges).toHaveLength(3);
    expect(idsOf(byTableLimited)).toEqual(tagChanges.slice(0, 2).map((c) => c.id));
    expect(idsOf(byEntity)).toEqual(all.filter((c) => c.entityType === 'notes' && c.entityId === 'n1').map((c) => c.id));
    expect(idsOf(byAuthor)).toEqual(all.filter((c) => c.author === otherUuid).map((c) => c.id));
    expect(idsOf(byAuthor)).toHaveLength(2); // title and n of its insert
  });
});

// Another program (the app, a sync, the sqlite3 shell) committing as fast as it can.
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.exec('CREATE TABLE IF NOT EXISTS scratch (x)');
const insert = db.prepare('INSERT INTO scratch VALUES (?)');
console.log('writing');
const end = Date.now() + 60000;
for (let i = 0; Date.now() < end; i++) insert.run(i);
`;

describe('tidemark next to another writer', () => {
  it('opens and reads a database while another program keeps committing to it', async ({ expect }) => {
    const path = join(tempDir(), 'busy.db');
    appDatabase(path);
    const db = openDatabase(path);
    db.track(['notes']);
    db.close();
    const writer = spawn(process.execPath, ['-e', WRITER, path], { cwd: resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((ready, fail) => {
        writer.stdout.once('data', () => ready());
        writer.once('exit', (code) => fail(new Error(`the writer stopped (${code})`)));
      });
      const runs = await Promise.all([
        tidemark('status', path, '--json'),
        tidemark('log', path, '--json'),
        tidemark('status', path, '--json'),
      ]);
      for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    } finally {
      const closed = new Promise((done) => writer.once('close', done));
      writer.kill();
      await closed;
    }
  });
});

describe.concurrent('bad input: a clear one-line error, a non-zero exit, and the database unchanged', () => {
  it('a missing database file (and nothing is created)', async ({ expect }) => {
    const path = join(tempDir(), 'missing.db');
    const run = await tidemark('status', path);
    expectRefusal(expect, run, /No database at .*missing\.db/, 1);
    expect(existsSync(path)).toBe(false);
  });

  it('a file that is not SQLite, even for init, which creates files (its bytes untouched)', async ({ expect }) => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'Dear diary,\nthis is not a database.\n'.repeat(20));
    const hash = sha256(path);
    const run = await tidemark('init', path);
    expectRefusal(expect, run, /notes\.txt is not a SQLite database/, 1);
    expect(sha256(path)).toBe(hash);
  });

  it('a SQLite file that was never initialized (no Tidemark tables added)', async ({ expect }) => {
    const path = join(tempDir(), 'plain.db');
    appDatabase(path);
    const hash = sha256(path);
    const run = await tidemark('track', path, 'notes');
    expectRefusal(expect, run, /plain\.db is not a Tidemark database yet/, 1);
    expect(run.stderr).toMatch(/tidemark init/);
    expect(sha256(path)).toBe(hash);
  });

  it('an unknown table', async ({ expect }) => {
    const path = join(tempDir(), 'app.db');
    appDatabase(path);
    openDatabase(path).close();
    const before = contents(path);
    const run = await tidemark('track', path, 'notes', 'nope');
    expectRefusal(expect, run, /No table named "nope"/, 1);
    expect(contents(path)).toEqual(before);
  });

  it('a table that cannot be tracked, named with the reason, and the other table not tracked either', async ({ expect }) => {
    const path = join(tempDir(), 'app.db');
    appDatabase(path);
    openDatabase(path).close();
    const before = contents(path);
    const run = await tidemark('track', path, 'notes', 'counters');
    expectRefusal(expect, run, /Table "counters" cannot be tracked: .*INTEGER PRIMARY KEY/, 1);
    expect(run.stderr).toMatch(/UUID/);
    const after = contents(path);
    expect(after).toEqual(before);
    expect((after.schema as Array<{ type: string }>).some((entry) => entry.type === 'trigger')).toBe(false);
  });

  it.for<[string, string[], RegExp]>([
    ['an unknown flag', ['--bogus'], /Unknown option '--bogus'/],
    ['--limit abc', ['--limit', 'abc'], /--limit must be a whole number from 1 to 10000, not "abc"/],
    ['an --entity without an id', ['--entity', 'notes'], /--entity takes TABLE:ID/],
  ])('%s', async ([, flags, problem], { expect }) => {
    const path = join(tempDir(), 'app.db');
    appDatabase(path);
    const db = openDatabase(path);
    db.track(['notes']);
    db.close();
    const before = contents(path);
    const run = await tidemark('log', path, ...flags);
    expectRefusal(expect, run, problem, 2);
    expect(run.stderr).toMatch(/Usage: tidemark log|Example: /);
    expect(contents(path)).toEqual(before);
  });

  // KNOWN BUG, fix belongs in database.ts (see the report of tests issue 3):
  // better-sqlite3 throws a TypeError without a code for a missing folder, so
  // mapOpenError lets it through and the CLI prints "Internal error: ...".
  // Flip to it() once fixed.
  it('a path in a folder that does not exist', async ({ expect }) => {
    const path = join(tempDir(), 'no such folder', 'new.db');
    const run = await tidemark('init', path);
    expectRefusal(expect, run, /no such folder|does not exist/, 1);
    expect(existsSync(path)).toBe(false);
  });
});
