// Main's handlers called directly through the gate, with good and bad
// arguments: every failure must come back as a typed envelope, never a throw.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  DatabaseSummary,
  EntityTimeline,
  FileInspection,
  RevertPlan,
  RowsPage,
  TableSummary,
  TransactionDetail,
  TransactionPage,
  WriteSummary,
} from '../../src/shared/app-types';
import { methodNames } from '../../src/shared/contract';
import { createTestApp, writeNotesFile, type TestApp } from './app-fixture';

let app: TestApp;
beforeEach(() => (app = createTestApp()));
afterEach(() => app.cleanup());

async function openNotes(): Promise<string> {
  const db = await app.call<DatabaseSummary>('databases.open', { path: writeNotesFile(app) });
  await app.call('tables.track', { databaseId: db.id, tables: ['notes'] });
  return db.id;
}

describe('the gate', () => {
  it('answers every contract method (a handler exists for each key)', async () => {
    for (const method of methodNames) {
      const result = await app.gate.call(method, { bogus: true });
      // Unknown fields are refused by every schema: proves the method is routed and validated.
      expect(result, method).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    }
  });

  it.each([
    ['an unknown method', 'databases.drop', {}, 'method'],
    ['a non-string method', 42, {}, 'method'],
    ['a prototype key', '__proto__', {}, 'method'],
    ['a wrong type', 'databases.open', { path: 7 }, 'path'],
    ['a missing field', 'tables.track', { databaseId: 'db_abcdef12' }, 'tables'],
    ['an empty list', 'tables.track', { databaseId: 'db_abcdef12', tables: [] }, 'tables'],
    ['an extra field', 'databases.list', { admin: true }, 'input'],
    ['a malformed id', 'tables.list', { databaseId: '../../etc' }, 'databaseId'],
    ['a NUL in a path', 'databases.open', { path: 'a\0b' }, 'path'],
    ['a non-object input', 'databases.list', 'hello', 'input'],
    ['a bad cursor', 'history.transactions', { databaseId: 'db_abcdef12', filter: {}, before: "x' OR 1=1" }, 'before'],
    ['a huge page', 'rows.page', { databaseId: 'db_abcdef12', table: 't', limit: 1e9 }, 'limit'],
    ['a reserved table name', 'tables.create', { databaseId: 'db_abcdef12', name: 'ZV_CHANGE', columns: [], track: true }, 'name'],
    ['an SQL-ish table name', 'tables.create', { databaseId: 'db_abcdef12', name: 'x"; DROP TABLE y', columns: [], track: true }, 'name'],
  ])('refuses %s with a typed invalid-input error', async (_name, method, input, field) => {
    const result = await app.gate.call(method, input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe('invalid-input');
      expect(result.error).toMatchObject({ field });
      expect(result.error.hint).toBeTruthy();
    }
  });

  it('turns unexpected errors into an internal error envelope', async () => {
    const id = await openNotes();
    app.service.database(id).close(); // a handle closed under the app: better-sqlite3 throws a plain TypeError
    const result = await app.gate.call('tables.list', { databaseId: id });
    expect(result).toMatchObject({ ok: false, error: { kind: 'internal' } });
  });
});

describe('databases', () => {
  it('creates, lists, renames this device, and removes without deleting the file', async () => {
    const created = await app.call<DatabaseSummary>('databases.create', { path: 'Recipes.db', replicaName: 'Laptop' });
    expect(created).toMatchObject({ title: 'Recipes', replicaName: 'Laptop', available: true, trackedTables: 0 });
    expect(created.path).toBe(join(app.service.info().databasesDir, 'Recipes.db'));
    expect(await app.call<DatabaseSummary[]>('databases.list', {})).toHaveLength(1);

    const renamed = await app.call<DatabaseSummary>('databases.setReplicaName', { databaseId: created.id, name: 'Desk' });
    expect(renamed.replicaName).toBe('Desk');

    expect(await app.call('databases.remove', { databaseId: created.id })).toEqual({ removed: true });
    expect(await app.call('databases.list', {})).toEqual([]);
    expect(existsSync(created.path)).toBe(true);
    expect(await app.call('databases.remove', { databaseId: created.id })).toEqual({ removed: false });
  });

  it('refuses to create over an existing file, and to open a missing one', async () => {
    const path = writeNotesFile(app);
    expect(await app.gate.call('databases.create', { path })).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'path' } });
    expect(await app.gate.call('databases.open', { path: join(app.dir, 'nope.db') })).toMatchObject({ ok: false, error: { kind: 'database-missing' } });
  });

  it('adopts a plain SQLite file once, and opening it again returns the same entry', async () => {
    const path = writeNotesFile(app);
    const first = await app.call<DatabaseSummary>('databases.open', { path });
    const again = await app.call<DatabaseSummary>('databases.open', { path });
    expect(again.id).toBe(first.id);
    expect(await app.call<DatabaseSummary[]>('databases.list', {})).toHaveLength(1);
  });

  it('inspects a path without touching it', async () => {
    const plain = writeNotesFile(app);
    const text = join(app.dir, 'readme.txt');
    writeFileSync(text, 'hello, not a database at all');
    mkdirSync(join(app.dir, 'folder'));
    const kind = async (path: string) => (await app.call<FileInspection>('databases.inspect', { path })).kind;
    expect(await kind(plain)).toBe('sqlite');
    expect(await kind(text)).toBe('not-sqlite');
    expect(await kind(join(app.dir, 'folder'))).toBe('folder');
    expect(await kind(join(app.dir, 'missing.db'))).toBe('missing');
    const inspection = await app.call<FileInspection>('databases.inspect', { path: plain });
    expect(inspection.tables).toEqual(['log', 'notes']);
    await app.call('databases.open', { path: plain });
    expect(await app.call<FileInspection>('databases.inspect', { path: plain })).toMatchObject({ kind: 'tidemark', known: true });
  });

  it('refuses a file that is not SQLite with a typed error', async () => {
    const text = join(app.dir, 'notes.txt');
    writeFileSync(text, 'x'.repeat(200));
    expect(await app.gate.call('databases.open', { path: text })).toMatchObject({ ok: false, error: { kind: 'not-sqlite' } });
    expect(await app.call('databases.list', {})).toEqual([]);
  });

  it('lists a database whose file went missing as unavailable, with the reason', async () => {
    const created = await app.call<DatabaseSummary>('databases.create', { path: join(app.dir, 'gone.db') });
    app.service.close(); // release the handle, then lose the file
    const { rmSync } = await import('node:fs');
    for (const suffix of ['', '-wal', '-shm']) rmSync(created.path + suffix, { force: true });
    const list = await app.call<DatabaseSummary[]>('databases.list', {});
    expect(list[0]).toMatchObject({ id: created.id, available: false, error: { kind: 'database-missing' } });
    expect(await app.gate.call('tables.list', { databaseId: created.id })).toMatchObject({ ok: false, error: { kind: 'database-missing' } });
  });

  it('refuses a database id the app does not know', async () => {
    expect(await app.gate.call('tables.list', { databaseId: 'db_unknown1' })).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'databaseId' } });
  });
});

describe('tables', () => {
  it('lists tables with the reason one cannot be tracked, and tracks the others', async () => {
    const db = await app.call<DatabaseSummary>('databases.open', { path: writeNotesFile(app) });
    const tables = await app.call<TableSummary[]>('tables.list', { databaseId: db.id });
    const log = tables.find((t) => t.name === 'log')!;
    expect(log.tracked).toBe(false);
    expect(log.untrackableReason).toMatch(/INTEGER PRIMARY KEY/);
    expect(log.hint).toMatch(/TEXT primary key/);

    expect(await app.gate.call('tables.track', { databaseId: db.id, tables: ['log'] })).toMatchObject({ ok: false, error: { kind: 'table-untrackable', table: 'log' } });
    expect(await app.gate.call('tables.track', { databaseId: db.id, tables: ['nope'] })).toMatchObject({ ok: false, error: { kind: 'table-missing' } });
    expect(await app.call('tables.track', { databaseId: db.id, tables: ['notes'] })).toEqual([{ table: 'notes', changes: 6 }]);
    const notes = (await app.call<TableSummary[]>('tables.list', { databaseId: db.id })).find((t) => t.name === 'notes')!;
    expect(notes).toMatchObject({ tracked: true, rows: 2, changes: 6, primaryKey: 'id' });

    expect(await app.call('tables.untrack', { databaseId: db.id, table: 'notes' })).toEqual({ untracked: true });
    expect((await app.call<TableSummary[]>('tables.list', { databaseId: db.id })).find((t) => t.name === 'notes')!.tracked).toBe(false);
  });

  it('creates a table with a text key, tracked at once', async () => {
    const db = await app.call<DatabaseSummary>('databases.create', { path: join(app.dir, 'new.db') });
    const table = await app.call<TableSummary>('tables.create', {
      databaseId: db.id,
      name: 'recipes',
      columns: [
        { name: 'title', type: 'TEXT', notNull: true },
        { name: 'minutes', type: 'INTEGER' },
      ],
      track: true,
    });
    expect(table).toMatchObject({ name: 'recipes', tracked: true, primaryKey: 'id' });
    expect(table.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:TEXT', 'title:TEXT', 'minutes:INTEGER']);
    const again = await app.gate.call('tables.create', { databaseId: db.id, name: 'RECIPES', columns: [], track: false });
    expect(again).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'name' } });
    const twice = await app.gate.call('tables.create', { databaseId: db.id, name: 'x', columns: [{ name: 'id', type: 'TEXT' }], track: false });
    expect(twice).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'columns' } });
  });
});

describe('rows', () => {
  it('pages rows by key and edits them through the write API', async () => {
    const id = await openNotes();
    const first = await app.call<RowsPage>('rows.page', { databaseId: id, table: 'notes', limit: 1 });
    expect(first).toMatchObject({ editable: true, total: 2, next: '"a"' });
    expect(first.rows).toEqual([{ id: 'a', cells: ['"a"', '"Alpha"', '"first"', '1'] }]);
    const second = await app.call<RowsPage>('rows.page', { databaseId: id, table: 'notes', after: first.next!, limit: 1 });
    expect(second.rows.map((r) => r.id)).toEqual(['b']);
    expect(second.total).toBeNull();

    // Typed text follows SQLite's affinity: "5" becomes an integer in an INTEGER column.
    const edit = await app.call<WriteSummary>('rows.put', { databaseId: id, table: 'notes', id: 'a', values: { stars: '5', body: null } });
    expect(edit.changes).toBe(2);
    const add = await app.call<WriteSummary>('rows.put', { databaseId: id, table: 'notes', id: 'c', values: { title: 'Gamma' } });
    expect(add.changes).toBe(3);
    const page = await app.call<RowsPage>('rows.page', { databaseId: id, table: 'notes' });
    expect(page.rows.find((r) => r.id === 'a')!.cells).toEqual(['"a"', '"Alpha"', 'null', '5']);
    expect(await app.call<WriteSummary>('rows.delete', { databaseId: id, table: 'notes', ids: ['b', 'c'] })).toMatchObject({ changes: 2 });
    expect((await app.call<RowsPage>('rows.page', { databaseId: id, table: 'notes' })).rows.map((r) => r.id)).toEqual(['a']);
  });

  it('reports write failures as typed errors', async () => {
    const id = await openNotes();
    const call = (method: string, input: object) => app.gate.call(method, { databaseId: id, table: 'notes', ...input });
    expect(await call('rows.put', { id: 'z', values: { nope: 1 } })).toMatchObject({ ok: false, error: { kind: 'column-missing', column: 'nope' } });
    expect(await call('rows.put', { id: 'z', values: { body: 'no title' } })).toMatchObject({ ok: false, error: { kind: 'constraint' } });
    expect(await call('rows.put', { id: 'z', values: { title: { nested: true } } })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(await app.gate.call('rows.put', { databaseId: id, table: 'log', id: '1', values: { line: 'x' } })).toMatchObject({ ok: false, error: { kind: 'table-not-tracked' } });
    expect(await app.gate.call('rows.page', { databaseId: id, table: 'ZV_CHANGE' })).toMatchObject({ ok: false, error: { kind: 'table-missing' } });
    expect(await app.gate.call('rows.page', { databaseId: id, table: 'notes', after: '{bad' })).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'after' } });
  });

  it('browses an untracked table read-only', async () => {
    const id = await openNotes();
    const page = await app.call<RowsPage>('rows.page', { databaseId: id, table: 'log' });
    expect(page).toMatchObject({ editable: false, rows: [], total: 0 });
  });
});

describe('history', () => {
  async function seeded() {
    const id = await openNotes();
    const put = (row: string, values: object) => app.call<WriteSummary>('rows.put', { databaseId: id, table: 'notes', id: row, values });
    const edit = await put('a', { title: 'Alpha two' });
    const add = await put('c', { title: 'Gamma', body: 'needle in here' });
    const remove = await app.call<WriteSummary>('rows.delete', { databaseId: id, table: 'notes', ids: ['b'] });
    return { id, edit: edit.transactionId!, add: add.transactionId!, remove: remove.transactionId! };
  }
  const page = (databaseId: string, filter: object = {}, extra: object = {}) => app.call<TransactionPage>('history.transactions', { databaseId, filter, ...extra });

  it('lists transactions newest first, with what each did', async () => {
    const { id, edit, add, remove } = await seeded();
    const { transactions, next } = await page(id);
    expect(transactions.map((t) => t.id)).toEqual([remove, add, edit, expect.any(String)]);
    expect(next).toBeNull();
    expect(transactions[0]).toMatchObject({ tables: ['notes'], changes: 1, entities: 1, deleted: 1, created: 0 });
    expect(transactions[1]).toMatchObject({ changes: 3, created: 1 });
    expect(transactions[3]).toMatchObject({ changes: 6, created: 2, entities: 2 });
  });

  it('pages by cursor', async () => {
    const { id, edit, add, remove } = await seeded();
    const one = await page(id, {}, { limit: 2 });
    expect(one.transactions.map((t) => t.id)).toEqual([remove, add]);
    const two = await page(id, {}, { limit: 2, before: one.next });
    expect(two.transactions[0]!.id).toBe(edit);
  });

  it('filters by table, entity, author, time and text', async () => {
    const { id, edit, add, remove } = await seeded();
    const ids = async (filter: object) => (await page(id, filter)).transactions.map((t) => t.id);
    expect(await ids({ table: 'log' })).toEqual([]);
    expect((await ids({ table: 'notes' })).length).toBe(4);
    expect(await ids({ table: 'notes', entityId: 'c' })).toEqual([add]);
    expect(await ids({ entityId: 'b' })).toEqual([remove, expect.any(String)]);
    expect(await ids({ text: 'NEEDLE' })).toEqual([add]);
    expect(await ids({ text: '100%_' })).toEqual([]); // LIKE wildcards are literal
    const self = app.service.database(id).uuid;
    expect((await ids({ author: self })).length).toBe(4);
    expect(await ids({ author: '01900000-0000-7000-8000-000000000000' })).toEqual([]);
    const time = (await page(id)).transactions.find((t) => t.id === edit)!.time;
    expect(await ids({ since: time + 60_000 })).toEqual([]);
    expect(await ids({ until: time - 60_000 })).toEqual([]);
    expect((await ids({ since: time - 60_000, until: time + 60_000 })).length).toBe(4);
    expect(await app.call('history.authors', { databaseId: id })).toEqual([{ uuid: self, isSelf: true, name: expect.any(String) }]);
  });

  it('shows a transaction and an entity timeline', async () => {
    const { id, edit } = await seeded();
    const detail = await app.call<TransactionDetail>('history.transaction', { databaseId: id, transactionId: edit });
    expect(detail.changes).toMatchObject([{ entityId: 'a', attribute: 'title', oldValue: '"Alpha"', newValue: '"Alpha two"' }]);
    // Rows are named by their title-like column, so the history reads "Edited Alpha two", not an id.
    expect(detail.labels).toEqual([{ table: 'notes', entityId: 'a', label: 'Alpha two' }]);
    expect(detail.summary.preview).toEqual([{ entityType: 'notes', entityId: 'a', attribute: 'title', label: 'Alpha two' }]);
    const timeline = await app.call<EntityTimeline>('history.entity', { databaseId: id, table: 'notes', entityId: 'a' });
    expect(timeline.exists).toBe(true);
    expect(timeline.label).toBe('Alpha two');
    expect(timeline.entries.map((e) => e.attribute)).toEqual(['title', 'stars', 'body', 'title']);
    expect(timeline.current).toContainEqual({ attribute: 'title', value: '"Alpha two"' });
    const deleted = await app.call<EntityTimeline>('history.entity', { databaseId: id, table: 'notes', entityId: 'b' });
    expect(deleted.exists).toBe(false);
    const missing = await app.gate.call('history.transaction', { databaseId: id, transactionId: '01900000-0000-7000-8000-000000000000' });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'transactionId' } });
  });

  it('reverts an edit, a creation and a deletion by writing new changes', async () => {
    const { id, edit, add, remove } = await seeded();
    const rows = async () => (await app.call<RowsPage>('rows.page', { databaseId: id, table: 'notes' })).rows.map((r) => `${r.id}:${r.cells[1]}`);
    expect(await rows()).toEqual(['a:"Alpha two"', 'c:"Gamma"']);

    const plan = await app.call<RevertPlan>('history.planRevert', { databaseId: id, transactionId: edit });
    expect(plan).toMatchObject({ changedSince: 0, blocked: null, items: [{ action: 'set', attribute: 'title', restore: '"Alpha"', changedSince: false }] });
    expect(await app.call<WriteSummary>('history.revert', { databaseId: id, transactionId: edit, overwriteChangedSince: false })).toMatchObject({ changes: 1 });
    await app.call('history.revert', { databaseId: id, transactionId: add, overwriteChangedSince: false });
    await app.call('history.revert', { databaseId: id, transactionId: remove, overwriteChangedSince: false });
    expect(await rows()).toEqual(['a:"Alpha"', 'b:"Beta"']);
    // Nothing was erased: 4 transactions, then 3 reverts.
    expect((await page(id)).transactions).toHaveLength(7);
    // Reverting again finds nothing to do.
    expect((await app.call<RevertPlan>('history.planRevert', { databaseId: id, transactionId: edit })).items).toEqual([]);
  });

  it('warns about values changed since, and overwrites them only when confirmed', async () => {
    const { id, edit } = await seeded();
    await app.call('rows.put', { databaseId: id, table: 'notes', id: 'a', values: { title: 'Alpha three' } });
    const plan = await app.call<RevertPlan>('history.planRevert', { databaseId: id, transactionId: edit });
    expect(plan.changedSince).toBe(1);
    expect(plan.items[0]).toMatchObject({ current: '"Alpha three"', wrote: '"Alpha two"', restore: '"Alpha"', changedSince: true });
    const refused = await app.gate.call('history.revert', { databaseId: id, transactionId: edit, overwriteChangedSince: false });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'overwriteChangedSince' } });
    expect(await app.call<WriteSummary>('history.revert', { databaseId: id, transactionId: edit, overwriteChangedSince: true })).toMatchObject({ changes: 1 });
  });

  it('blocks reverting a transaction of a table no longer tracked', async () => {
    const { id, edit } = await seeded();
    await app.call('tables.untrack', { databaseId: id, table: 'notes' });
    const plan = await app.call<RevertPlan>('history.planRevert', { databaseId: id, transactionId: edit });
    expect(plan.blocked).toMatch(/no longer tracked/);
    expect(await app.gate.call('history.revert', { databaseId: id, transactionId: edit, overwriteChangedSince: true })).toMatchObject({
      ok: false,
      error: { kind: 'table-not-tracked' },
    });
  });
});

describe('events', () => {
  it('pushes commit and list events', async () => {
    const seen: string[] = [];
    app.service.onEvent((e) => seen.push(e.name === 'commit' ? `commit:${e.payload.changes}:${e.payload.tables.join()}` : e.name));
    const id = await openNotes();
    await app.call('rows.put', { databaseId: id, table: 'notes', id: 'a', values: { title: 'x' } });
    expect(seen).toEqual(['databases.changed', 'commit:6:notes', 'databases.changed', 'commit:1:notes']);
  });

  it('notices writes by another program and turns them into commit events', async () => {
    const watched = createTestApp({ watchFiles: true });
    try {
      const db = await watched.call<DatabaseSummary>('databases.open', { path: writeNotesFile(watched) });
      await watched.call('tables.track', { databaseId: db.id, tables: ['notes'] });
      const events: string[] = [];
      const arrived = new Promise<void>((resolve) =>
        watched.service.onEvent((e) => {
          events.push(e.name);
          if (e.name === 'commit') resolve();
        }),
      );
      watched.shell(db.path).prepare("UPDATE notes SET title = 'from the shell' WHERE id = 'a'").run();
      await arrived;
      expect(events).toContain('database.externalWrite');
      const history = await watched.call<TransactionPage>('history.transactions', { databaseId: db.id, filter: { text: 'from the shell' } });
      expect(history.transactions).toHaveLength(1);
    } finally {
      watched.cleanup();
    }
  });
});

describe('first run', () => {
  it('creates the sample database and the default remote folder once', async () => {
    const welcome = app.service.ensureWelcome();
    expect(welcome).toMatchObject({ title: 'Getting started', trackedTables: 1 });
    const info = app.service.info();
    expect(info.remoteFolder).toBe(join(info.dataDir, 'remote'));
    expect(existsSync(info.remoteFolder!)).toBe(true);
    const history = await app.call<TransactionPage>('history.transactions', { databaseId: welcome!.id, filter: {} });
    expect(history.transactions.length).toBeGreaterThan(3);
    await app.call('databases.remove', { databaseId: welcome!.id });
    expect(app.service.ensureWelcome()).toBeNull(); // removing the sample never brings it back
  });
});
