// The write API (DESIGN.md section 1): puts and deletes as one transaction,
// all or nothing, recording exactly the changes a captured write of the same
// rows (from the sqlite3 shell) would record.

import fc from 'fast-check';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { TidemarkError, type TidemarkErrorDetail } from '../../src/shared/errors';
import type { WriteOp } from '../../src/shared/types';
import { createWorkspace, dumpDatabase, dumpTable, readChanges, type Workspace } from '../support/engine-fixtures';

const SCHEMA = `
  CREATE TABLE items (id TEXT PRIMARY KEY, a, n INTEGER DEFAULT 7, t TEXT NOT NULL DEFAULT 'x', CHECK (a IS NOT 'forbidden'));
  CREATE TABLE tags (name TEXT PRIMARY KEY);`;

let ws: Workspace;
let db: TidemarkDatabase;
let shell: Database;
beforeEach(() => {
  ws = createWorkspace();
  db = ws.open('a.db');
  db.sqlite.exec(SCHEMA);
  db.track(['items', 'tags']);
  shell = ws.shell('a.db');
});
afterEach(() => ws.cleanup());

function writeError(ops: WriteOp[]): TidemarkErrorDetail {
  try {
    db.write(ops);
  } catch (error) {
    if (error instanceof TidemarkError) return error.detail;
    throw error;
  }
  throw new Error('the write succeeded');
}

describe('write API', () => {
  it('applies puts and deletes as one transaction', () => {
    db.write([{ op: 'put', table: 'items', id: 'old', values: { a: 'bye' } }]);
    const result = db.write([
      { op: 'put', table: 'items', id: 'i1', values: { a: 'one', n: 1 } },
      { op: 'put', table: 'tags', id: 'red', values: {} },
      { op: 'put', table: 'items', id: 'i1', values: { a: 'uno' } },
      { op: 'delete', table: 'items', id: 'old' },
    ]);
    const changes = readChanges(shell).filter((c) => c.transactionId === result.transactionId);
    expect(result.changes).toBe(changes.length);
    expect(changes.map((c) => [c.entityType, c.entityId, c.attribute, c.oldValue, c.newValue])).toEqual([
      ['items', 'i1', 'a', null, '"one"'],
      ['items', 'i1', 'n', null, '1'],
      ['items', 'i1', 't', null, '"x"'],
      ['tags', 'red', '_deleted', null, '0'],
      ['items', 'i1', 'a', '"one"', '"uno"'],
      ['items', 'old', '_deleted', null, '1'],
    ]);
    expect(changes.every((c) => c.author === db.uuid)).toBe(true);
    expect(dumpTable(shell, 'items', 'id')).toEqual([{ id: 't:"i1"', a: 't:"uno"', n: 'i:1', t: 't:"x"' }]);
  });

  it.each([
    ['a CHECK constraint', { a: 'forbidden' }],
    ['a NOT NULL constraint', { t: null }],
  ])('rolls everything back when %s refuses one row: no rows, no changes', (_label, values) => {
    db.write([{ op: 'put', table: 'items', id: 'keep', values: { a: 'kept' } }]);
    shell.exec("INSERT INTO items (id, a) VALUES ('from-shell', 'pending')"); // captured, not yet a change
    db.status();
    shell.exec("UPDATE items SET a = 'pending edit' WHERE id = 'from-shell'");
    const before = dumpDatabase(shell);

    const detail = writeError([
      { op: 'put', table: 'items', id: 'new1', values: { a: 'fine' } },
      { op: 'delete', table: 'items', id: 'keep' },
      { op: 'put', table: 'tags', id: 'blue', values: {} },
      { op: 'put', table: 'items', id: 'bad', values },
    ]);
    expect(detail).toMatchObject({ kind: 'constraint', table: 'items' });
    expect(dumpDatabase(shell)).toEqual(before);

    // The shell's edit was not lost with the rolled-back transaction.
    db.refresh();
    expect(db.history({ entityId: 'from-shell', limit: 1 }).entries[0]).toMatchObject({ attribute: 'a', newValue: '"pending edit"' });
  });

  it.each<[string, WriteOp[], Partial<TidemarkErrorDetail>]>([
    ['an untracked table', [{ op: 'put', table: 'nowhere', id: 'x', values: {} }], { kind: 'table-not-tracked', table: 'nowhere' }],
    ['an unknown column', [{ op: 'put', table: 'items', id: 'x', values: { nope: 1 } }], { kind: 'column-missing', column: 'nope' }],
    ['a value SQLite cannot store', [{ op: 'put', table: 'items', id: 'x', values: { a: { nested: true } } }], { kind: 'invalid-input', field: 'a' }],
  ])('refuses %s and writes nothing', (_label, badOps, expected) => {
    const before = dumpDatabase(shell);
    expect(writeError([{ op: 'put', table: 'items', id: 'ok', values: { a: 1 } }, ...badOps])).toMatchObject(expected);
    expect(dumpDatabase(shell)).toEqual(before);
  });

  it('records nothing for a put that changes nothing or a delete of a missing row', () => {
    db.write([{ op: 'put', table: 'items', id: 'i', values: { a: 'same' } }]);
    const count = readChanges(shell).length;
    expect(db.write([{ op: 'put', table: 'items', id: 'i', values: { a: 'same' } }])).toMatchObject({ changes: 0, transactionId: null });
    expect(db.write([{ op: 'delete', table: 'items', id: 'missing' }])).toMatchObject({ changes: 0, transactionId: null });
    expect(readChanges(shell)).toHaveLength(count);
    expect(shell.prepare('SELECT count(*) FROM ZV_TRANSACTION WHERE id NOT IN (SELECT transaction_id FROM ZV_CHANGE)').pluck().get()).toBe(0);
  });

  it('stores JavaScript values with the SQLite type a person expects', () => {
    db.write([
      { op: 'put', table: 'items', id: 'v', values: { a: 9007199254740993n, n: '12' } },
      { op: 'put', table: 'items', id: 'w', values: { a: 1.5, n: true } },
      { op: 'put', table: 'items', id: 'x', values: { a: new Uint8Array([1, 2]), n: 3 } },
    ]);
    expect(dumpTable(shell, 'items', 'id')).toEqual([
      { id: 't:"v"', a: 'i:9007199254740993', n: 'i:12', t: 't:"x"' },
      { id: 't:"w"', a: 'r:1.5', n: 'i:1', t: 't:"x"' },
      { id: 't:"x"', a: 'b:0102', n: 'i:3', t: 't:"x"' },
    ]);
  });
});

describe('write API and captured writes record the same changes', () => {
  type Op = { table: 'items' | 'tags'; id: string } & ({ kind: 'put'; values: Record<string, unknown> } | { kind: 'delete' });
  const value = fc.oneof(fc.constant(null), fc.constantFrom(0n, 7n, 2n ** 60n), fc.constantFrom(2.5, 1e-7), fc.constantFrom('', 'x', '12', 'ü"'), fc.constant(new Uint8Array([9])));
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      table: fc.constant('items' as const),
      id: fc.constantFrom('a', 'b'),
      values: fc.record({ a: value, n: value, t: fc.constantFrom('x', 'y', '3') }, { requiredKeys: [] }),
    }),
    fc.record({ kind: fc.constant('put' as const), table: fc.constant('tags' as const), id: fc.constantFrom('red', 'blue'), values: fc.constant({}) }),
    fc.record({ kind: fc.constant('delete' as const), table: fc.constantFrom('items' as const, 'tags' as const), id: fc.constantFrom('a', 'b', 'red', 'blue') }),
  );

  function viaShell(connection: Database, op: Op): void {
    const key = op.table === 'items' ? 'id' : 'name';
    if (op.kind === 'delete') {
      connection.prepare(`DELETE FROM ${op.table} WHERE ${key} = ?`).run(op.id);
      return;
    }
    const columns = Object.keys(op.values);
    const values = columns.map((c) => op.values[c]);
    if (connection.prepare(`SELECT 1 FROM ${op.table} WHERE ${key} = ?`).get(op.id) === undefined) {
      const names = [key, ...columns];
      connection.prepare(`INSERT INTO ${op.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(op.id, ...values);
    } else if (columns.length > 0) {
      connection.prepare(`UPDATE ${op.table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${key} = ?`).run(...values, op.id);
    }
  }

  const triples = (connection: Database) =>
    readChanges(connection).map((c) => [c.entityType, c.entityId, c.attribute, c.oldValue, c.newValue]);

  it('for any sequence of puts and deletes, including deleted rows written again', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(opArb, fc.boolean()), { minLength: 1, maxLength: 25 }), (steps) => {
        const local = createWorkspace();
        try {
          const api = local.open('api.db');
          const captured = local.open('captured.db');
          for (const target of [api, captured]) {
            target.sqlite.exec(SCHEMA);
            target.track(['items', 'tags']);
          }
          const capturedShell = local.shell('captured.db');
          for (const [op, flush] of steps) {
            api.write([op.kind === 'put' ? { op: 'put', table: op.table, id: op.id, values: op.values } : { op: 'delete', table: op.table, id: op.id }]);
            viaShell(capturedShell, op);
            if (flush) captured.refresh();
          }
          captured.refresh();
          expect(triples(api.sqlite)).toEqual(triples(capturedShell));
          expect(dumpTable(api.sqlite, 'items', 'id')).toEqual(dumpTable(capturedShell, 'items', 'id'));
          expect(dumpTable(api.sqlite, 'tags', 'name')).toEqual(dumpTable(capturedShell, 'tags', 'name'));
        } finally {
          local.cleanup();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('for a key-only row deleted and written again: one _deleted 1 → 0, nothing more', () => {
    db.write([{ op: 'put', table: 'tags', id: 'red', values: {} }]);
    db.write([{ op: 'delete', table: 'tags', id: 'red' }]);
    db.write([{ op: 'put', table: 'tags', id: 'red', values: {} }]);
    expect(triples(shell)).toEqual([
      ['tags', 'red', '_deleted', null, '0'],
      ['tags', 'red', '_deleted', '0', '1'],
      ['tags', 'red', '_deleted', '1', '0'],
    ]);
  });
});
