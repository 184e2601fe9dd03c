// DESIGN.md section 1, capture: a second connection that never loads the
// engine (the `sqlite3` shell) writes tracked tables; its writes wait in the
// pending table and become changes with clock ids when the engine next
// touches the database. Remote changes the engine applies are not captured.

import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { createWorkspace, dumpTable, quoteName, readChanges, UUID7, type Workspace } from '../support/engine-fixtures';

let ws: Workspace;
let db: TidemarkDatabase;
let shell: Database;

const TABLE = 'notes';
beforeEach(() => {
  ws = createWorkspace();
  db = ws.open('a.db');
  db.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, n INTEGER, r REAL, data BLOB, anything)');
  db.track([TABLE]);
  shell = ws.shell('a.db');
});
afterEach(() => ws.cleanup());

type Triple = [attribute: string, oldValue: string | null, newValue: string | null];

/** Changes of one entity in id order, read by the shell so the engine is not touched. */
function changesOf(entityId: string, table = TABLE): Triple[] {
  return (
    shell
      .prepare('SELECT attribute, old_value, new_value FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ? ORDER BY id')
      .raw(true)
      .all(table, entityId) as Triple[]
  );
}

function pendingCount(): number {
  return shell.prepare('SELECT count(*) FROM ZV_PENDING').pluck().get() as number;
}

function changeCount(): number {
  return shell.prepare('SELECT count(*) FROM ZV_CHANGE').pluck().get() as number;
}

function maxChangeId(): string {
  return (shell.prepare('SELECT max(id) FROM ZV_CHANGE').pluck().get() as string | null) ?? '';
}

describe('capture from another connection', () => {
  it('records an INSERT as one change per column, old value null, once the engine refreshes', () => {
    shell.prepare('INSERT INTO notes (id, title, body) VALUES (?, ?, ?)').run('n1', 'Groceries', 'milk');
    expect(pendingCount()).toBeGreaterThan(0);
    expect(changesOf('n1')).toEqual([]);

    expect(db.refresh()).toBe(6);
    expect(pendingCount()).toBe(0);
    expect(changesOf('n1')).toEqual([
      ['title', null, '"Groceries"'],
      ['body', null, '"milk"'],
      ['n', null, 'null'],
      ['r', null, 'null'],
      ['data', null, 'null'],
      ['anything', null, 'null'],
    ]);
  });

  it('stamps captured changes with increasing UUIDv7 ids in one transaction by this replica', () => {
    db.write([{ op: 'put', table: TABLE, id: 'seed', values: { title: 'x' } }]);
    const before = maxChangeId();
    shell.prepare("INSERT INTO notes (id, title) VALUES ('n1', 'a')").run();
    shell.prepare("UPDATE notes SET title = 'b' WHERE id = 'n1'").run();
    db.refresh();

    const captured = readChanges(shell).filter((c) => c.id > before);
    expect(captured).toHaveLength(7);
    expect(captured.every((c) => UUID7.test(c.id))).toBe(true);
    expect(new Set(captured.map((c) => c.transactionId)).size).toBe(1);
    expect(captured[0]!.author).toBe(db.uuid);
    expect(captured[0]!.transactionId > before).toBe(true);
    // Ids follow the order the writes happened in.
    expect(captured.map((c) => [c.attribute, c.newValue]).slice(-1)).toEqual([['title', '"b"']]);
    const ids = captured.map((c) => c.id);
    expect([...ids].sort()).toEqual(ids);
  });

  it.each([
    ['history', () => db.history({})],
    ['status', () => db.status()],
    ['refresh', () => db.refresh()],
    ['write', () => db.write([])],
  ])('turns pending captures into changes when the engine calls %s', (_name, touch) => {
    shell.prepare("INSERT INTO notes (id, title) VALUES ('n1', 'a')").run();
    const before = changeCount();
    expect(pendingCount()).toBe(6);
    touch();
    expect(pendingCount()).toBe(0);
    expect(changeCount()).toBe(before + 6);
  });

  it('records only the columns an UPDATE changed, with old and new values', () => {
    shell.prepare("INSERT INTO notes (id, title, body, n) VALUES ('n1', 'Groceries', 'milk', 1)").run();
    db.refresh();
    shell.prepare("UPDATE notes SET body = 'milk, eggs', title = 'Groceries', n = 2 WHERE id = 'n1'").run();
    shell.prepare("UPDATE notes SET r = NULL WHERE id = 'n1'").run(); // null to null: nothing
    db.refresh();
    expect(changesOf('n1').slice(6)).toEqual([
      ['body', '"milk"', '"milk, eggs"'],
      ['n', '1', '2'],
    ]);
  });

  it('records an UPDATE that only changes the storage class (1 to 1.0)', () => {
    shell.prepare("INSERT INTO notes (id, anything) VALUES ('n1', 1)").run();
    db.refresh();
    shell.prepare("UPDATE notes SET anything = 1.0 WHERE id = 'n1'").run();
    db.refresh();
    expect(changesOf('n1').slice(6)).toEqual([['anything', '1', '1.0']]);
  });

  it('records DELETE as _deleted 1, and a re-insert as _deleted 0 plus every column', () => {
    shell.prepare("INSERT INTO notes (id, title) VALUES ('n1', 'a')").run();
    db.refresh();
    shell.prepare("DELETE FROM notes WHERE id = 'n1'").run();
    db.refresh();
    expect(changesOf('n1').slice(6)).toEqual([['_deleted', null, '1']]);

    shell.prepare("INSERT INTO notes (id, title) VALUES ('n1', 'again')").run();
    db.refresh();
    expect(changesOf('n1').slice(7)).toEqual([
      ['_deleted', '1', '0'],
      ['title', null, '"again"'],
      ['body', null, 'null'],
      ['n', null, 'null'],
      ['r', null, 'null'],
      ['data', null, 'null'],
      ['anything', null, 'null'],
    ]);
    shell.prepare("DELETE FROM notes WHERE id = 'n1'").run();
    db.refresh();
    expect(changesOf('n1').slice(14)).toEqual([['_deleted', '0', '1']]);
  });

  it('records INSERT OR REPLACE over a live row as changes of the columns that differ', () => {
    shell.prepare("INSERT INTO notes (id, title, body, n) VALUES ('n1', 'a', 'b', 7)").run();
    db.refresh();
    shell.prepare("INSERT OR REPLACE INTO notes (id, title, body) VALUES ('n1', 'a', 'B')").run();
    db.refresh();
    expect(changesOf('n1').slice(6)).toEqual([
      ['body', '"b"', '"B"'],
      ['n', '7', 'null'],
    ]);
    expect(dumpTable(shell, TABLE, 'id')).toHaveLength(1);
  });

  it('records an UPDATE of the primary key as a delete of the old row and an insert of the new', () => {
    shell.prepare("INSERT INTO notes (id, title, n) VALUES ('old', 't', 5)").run();
    db.refresh();
    shell.prepare("UPDATE notes SET id = 'new' WHERE id = 'old'").run();
    db.refresh();
    expect(changesOf('old').slice(6)).toEqual([['_deleted', null, '1']]);
    expect(changesOf('new')).toEqual([
      ['title', null, '"t"'],
      ['body', null, 'null'],
      ['n', null, '5'],
      ['r', null, 'null'],
      ['data', null, 'null'],
      ['anything', null, 'null'],
    ]);
  });

  it('collapses a multi-statement shell transaction into one engine transaction', () => {
    shell.exec(`BEGIN;
      INSERT INTO notes (id, title) VALUES ('t1', 'one');
      INSERT INTO notes (id, title) VALUES ('t2', 'two');
      UPDATE notes SET title = 'uno' WHERE id = 't1';
      DELETE FROM notes WHERE id = 't2';
      COMMIT;`);
    db.refresh();
    const changes = readChanges(shell).filter((c) => c.entityId === 't1' || c.entityId === 't2');
    expect(new Set(changes.map((c) => c.transactionId)).size).toBe(1);
    expect(changes.filter((c) => c.entityId === 't2').map((c) => [c.attribute, c.newValue]).slice(-1)).toEqual([['_deleted', '1']]);
    expect(changes.filter((c) => c.entityId === 't1').map((c) => [c.attribute, c.oldValue, c.newValue]).slice(-1)).toEqual([
      ['title', '"one"', '"uno"'],
    ]);
  });
});

describe('a column added in the shell', () => {
  it('records what the shell wrote into it before the engine saw the column, and captures it from then on', () => {
    shell.prepare("INSERT INTO notes (id, title) VALUES ('n1', 'a')").run();
    db.refresh();
    shell.exec(`ALTER TABLE notes ADD COLUMN tag TEXT DEFAULT 'none';
      UPDATE notes SET tag = 'work', title = 'A' WHERE id = 'n1';
      INSERT INTO notes (id, title) VALUES ('n2', 'b');
      INSERT INTO notes (id, title, tag) VALUES ('n3', 'c', NULL);`);
    db.refresh();
    const latestTag = (id: string) =>
      shell.prepare("SELECT new_value FROM ZV_CHANGE WHERE entity_id = ? AND attribute = 'tag' ORDER BY id DESC LIMIT 1").pluck().get(id);
    expect(latestTag('n1')).toBe('"work"');
    expect(latestTag('n2')).toBe('"none"');
    expect(latestTag('n3')).toBe('null'); // not the column's default, so it must travel

    shell.exec("UPDATE notes SET tag = 'home' WHERE id = 'n1'");
    db.refresh();
    expect(changesOf('n1').slice(-1)).toEqual([['tag', '"work"', '"home"']]);

    // A NULL where NULL is the default is what every replica holds: not recorded.
    shell.exec('ALTER TABLE notes ADD COLUMN note TEXT');
    db.refresh();
    expect(shell.prepare("SELECT count(*) FROM ZV_CHANGE WHERE attribute = 'note'").pluck().get()).toBe(0);

    // A replica that has the columns ends up with the same rows.
    const other = ws.open('b.db');
    other.sqlite.exec("CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, n INTEGER, r REAL, data BLOB, anything, tag TEXT DEFAULT 'none', note TEXT)");
    other.track([TABLE]);
    other.applyChanges(readChanges(shell));
    expect(dumpTable(other.sqlite, TABLE, 'id')).toEqual(dumpTable(shell, TABLE, 'id'));
  });
});

describe('captured values', () => {
  const cases: Array<[label: string, value: unknown, json: string]> = [
    ['NULL', null, 'null'],
    ['integer beyond 2^53', 9007199254740993n, '9007199254740993'],
    ['smallest 64-bit integer', -9223372036854775808n, '-9223372036854775808'],
    ['real 1.0', 1.0, '1.0'],
    ['real 0.1', 0.1, '0.1'],
    ['real -2.5e-300', -2.5e-300, '-2.5e-300'],
    ['blob', Buffer.from([0, 1, 2, 0xfe, 0xff]), '{"$blob":"AAEC/v8="}'],
    ['empty blob', Buffer.alloc(0), '{"$blob":""}'],
    ['text with quotes', `say "hi" it's`, JSON.stringify(`say "hi" it's`)],
    ['text with unicode and controls', 'naïve ☃ 𝄞 日本\n\t\u0000end', JSON.stringify('naïve ☃ 𝄞 日本\n\t\u0000end')],
    ['text that looks like a number', '42', '"42"'],
    ['text that looks like a blob', '{"$blob":"AA=="}', JSON.stringify('{"$blob":"AA=="}')],
  ];

  it.each(cases)('captures %s as its JSON text and applies it back with the same storage class', (_label, value, json) => {
    shell.prepare('INSERT INTO notes (id, anything) VALUES (?, ?)').run('v', value);
    db.refresh();
    expect(changesOf('v').find((c) => c[0] === 'anything')).toEqual(['anything', null, json]);

    // A second replica that receives the change holds the very same value.
    const other = ws.open('b.db');
    other.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, n INTEGER, r REAL, data BLOB, anything)');
    other.track([TABLE]);
    other.applyChanges(readChanges(shell));
    expect(dumpTable(other.sqlite, TABLE, 'id')).toEqual(dumpTable(shell, TABLE, 'id'));
  });
});

describe('odd table and column names', () => {
  const table = 'my "table"; DROP TABLE x; --';
  const columns = ['a b', 'c"d', 'e;f', "g'h"];

  it('tracks, captures and materializes tables and columns with quotes, spaces and semicolons', () => {
    db.sqlite.exec('CREATE TABLE x (id TEXT PRIMARY KEY)');
    db.sqlite.exec(`CREATE TABLE ${quoteName(table)} ("the key" TEXT PRIMARY KEY, ${columns.map(quoteName).join(', ')})`);
    db.track([table]);
    shell.prepare(`INSERT INTO ${quoteName(table)} VALUES (?, ?, ?, ?, ?)`).run("k'1; --", 1n, 'two', 3.5, null);
    shell.prepare(`UPDATE ${quoteName(table)} SET ${quoteName('c"d')} = 'TWO'`).run();
    db.refresh();
    expect(changesOf("k'1; --", table)).toEqual([
      ['a b', null, '1'],
      ['c"d', null, '"two"'],
      ['e;f', null, '3.5'],
      ["g'h", null, 'null'],
      ['c"d', '"two"', '"TWO"'],
    ]);
    // The hostile name was quoted everywhere: table x still exists.
    expect(shell.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'x'").pluck().get()).toBe(1);

    const other = ws.open('b.db');
    other.sqlite.exec(`CREATE TABLE ${quoteName(table)} ("the key" TEXT PRIMARY KEY, ${columns.map(quoteName).join(', ')})`);
    other.track([table]);
    other.applyChanges(readChanges(shell));
    expect(dumpTable(other.sqlite, table, 'the key')).toEqual(dumpTable(shell, table, 'the key'));
  });
});

describe('a table wider than a compound SELECT allows (500 terms)', () => {
  it('is tracked, and an update of two of its 600 columns is captured as two changes', () => {
    const columns = Array.from({ length: 600 }, (_, i) => `c${i}`);
    db.sqlite.exec(`CREATE TABLE wide (id TEXT PRIMARY KEY, ${columns.join(', ')})`);
    db.track(['wide']);
    shell.prepare(`INSERT INTO wide (id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`).run('w', ...columns.map((_, i) => BigInt(i)));
    shell.exec("UPDATE wide SET c3 = 'three', c550 = NULL WHERE id = 'w'");
    expect(db.refresh()).toBe(602);
    expect(changesOf('w', 'wide').slice(598)).toEqual([
      ['c598', null, '598'],
      ['c599', null, '599'],
      ['c3', '3', '"three"'],
      ['c550', '550', 'null'],
    ]);
  });
});

describe('applying remote changes', () => {
  it('is not captured again: nothing pending, no new changes by this replica', () => {
    const author = ws.open('b.db');
    author.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, n INTEGER, r REAL, data BLOB, anything)');
    author.track([TABLE]);
    author.write([
      { op: 'put', table: TABLE, id: 'r1', values: { title: 'from b', n: 1 } },
      { op: 'put', table: TABLE, id: 'r2', values: { title: 'gone soon' } },
    ]);
    author.write([
      { op: 'put', table: TABLE, id: 'r1', values: { title: 'from b, edited' } },
      { op: 'delete', table: TABLE, id: 'r2' },
    ]);
    const remote = readChanges(author.sqlite);
    const ownBefore = readChanges(shell).filter((c) => c.author === db.uuid).length;

    const result = db.applyChanges(remote);
    expect(result.applied).toBe(remote.length);
    expect(pendingCount()).toBe(0);
    db.refresh();
    db.history({});
    expect(readChanges(shell).filter((c) => c.author === db.uuid)).toHaveLength(ownBefore);
    expect(readChanges(shell).filter((c) => c.author !== db.uuid)).toEqual(remote);
    expect(dumpTable(shell, TABLE, 'id')).toEqual(dumpTable(author.sqlite, TABLE, 'id'));
  });
});

// A first import into an empty log (a page or more of captured writes) is
// written without the by-attribute index, which is built once at the end
// (capture.ts). Whatever the shell did, the changes must be the ones a
// replica already holding data records, and the index must be back.
describe('a first import of thousands of captured rows', () => {
  const ROWS = 5000; // more than a page of pending rows
  const indexes = () => shell.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'ZV_CHANGE_by%' ORDER BY name").pluck().all();

  // Every kind of value a cell holds, in turn: the import must encode each as a row-by-row capture does.
  const VALUES: unknown[] = [
    null, 9007199254740993n, -9223372036854775808n, 1.0, 0.1, -2.5e-300, Infinity, -Infinity,
    Buffer.from([0, 1, 2, 0xfe, 0xff]), Buffer.alloc(0), `say "hi" it's \\ /`, 'naïve ☃ 𝄞 日本\n\t\u0000end\u2028\u007f', '42', '',
  ];

  /** The shell's import; `twist` runs in the middle of it. */
  function importRows(into: Database, twist: (sh: Database) => void): void {
    const insert = into.prepare('INSERT INTO notes (id, title, n, anything) VALUES (?, ?, ?, ?)');
    into.transaction(() => {
      for (let i = 0; i < ROWS; i++) {
        insert.run(`n${i}`, `title ${i}`, i, VALUES[i % VALUES.length]);
        if (i === ROWS / 2) twist(into);
      }
    })();
  }

  /** Every change as (entity, attribute, old, new) in id order: ids and clocks differ between databases. */
  const triples = (sqlite: Database) =>
    sqlite.prepare("SELECT entity_id, attribute, old_value, new_value FROM ZV_CHANGE WHERE entity_id <> 'before' ORDER BY id").raw(true).all();

  it.each([
    ['plain inserts', () => undefined],
    ['a row written again (INSERT OR REPLACE)', (sh: Database) => sh.prepare("INSERT OR REPLACE INTO notes (id, title, n) VALUES ('n3', 'again', 3)").run()],
    ['an update of an imported row', (sh: Database) => sh.prepare("UPDATE notes SET title = 'changed' WHERE id = 'n7'").run()],
    ['a delete and a re-insert', (sh: Database) => {
      sh.prepare("DELETE FROM notes WHERE id = 'n9'").run();
      sh.prepare("INSERT INTO notes (id, title) VALUES ('n9', 'back')").run();
    }],
  ])('%s: the same changes and rows as a replica holding data, and the index back', (_name, twist) => {
    // The reference: a replica whose log already holds a change takes the careful path.
    const other = ws.open('other.db');
    other.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, n INTEGER, r REAL, data BLOB, anything)');
    other.track([TABLE]);
    other.write([{ op: 'put', table: TABLE, id: 'before', values: { title: 'held' } }]);
    const otherShell = ws.shell('other.db');
    importRows(otherShell, twist);
    expect(other.refresh()).toBeGreaterThan(ROWS);

    importRows(shell, twist);
    expect(db.refresh()).toBe(triples(other.sqlite).length);
    expect(triples(db.sqlite)).toEqual(triples(other.sqlite));
    expect(dumpTable(shell, TABLE, 'id')).toEqual(dumpTable(otherShell, TABLE, 'id').filter((row) => row.id !== 't:"before"'));
    expect(indexes()).toEqual(['ZV_CHANGE_by_attribute', 'ZV_CHANGE_by_table', 'ZV_CHANGE_by_transaction']);
    expect(pendingCount()).toBe(0);
  });

  it('imports two tables at once, one of them key-only, and tells listeners about both', () => {
    const createTags = (sqlite: Database) => sqlite.exec('CREATE TABLE tags (name TEXT PRIMARY KEY)');
    const write = (sh: Database) => {
      const note = sh.prepare('INSERT INTO notes (id, title) VALUES (?, ?)');
      const tag = sh.prepare('INSERT INTO tags (name) VALUES (?)');
      sh.transaction(() => {
        for (let i = 0; i < 3000; i++) {
          note.run(`n${i}`, `title ${i}`);
          tag.run(`tag ${i}`);
        }
      })();
    };
    const other = ws.open('other.db');
    other.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, n INTEGER, r REAL, data BLOB, anything)');
    createTags(other.sqlite);
    other.track([TABLE, 'tags']);
    other.write([{ op: 'put', table: TABLE, id: 'before', values: { title: 'held' } }]);
    write(ws.shell('other.db'));
    other.refresh();

    createTags(db.sqlite);
    db.track(['tags']);
    const events: Array<{ source: string; changes: number; tables: string[] }> = [];
    db.onCommit((event) => events.push(event));
    write(shell);
    expect(db.refresh()).toBe(3000 * 6 + 3000); // six columns of notes, _deleted of tags
    expect(triples(db.sqlite)).toEqual(triples(other.sqlite));
    expect(changesOf('tag 5', 'tags')).toEqual([['_deleted', null, '0']]);
    expect(events).toEqual([{ source: 'local', changes: 3000 * 7, tables: ['notes', 'tags'] }]);
  });
});
