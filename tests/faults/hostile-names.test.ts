// Tables and columns whose names are SQL (quotes, semicolons, DROP TABLE,
// comments, brackets) synced between real replicas through a folder remote:
// capture triggers, the write API, the change log and the materializer must
// quote every name, so the rows arrive as written and no other table is touched
// (STYLE.md: names from a remote are checked against the real schema and quoted).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { createWorkspace, dumpTable as dumpRows, quoteName, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpLog, dumpTable, introduce, removeSharedRemote, type SharedRemote, sync } from '../support/sync-fixtures';

const TABLE = 'we"ird\'; DROP TABLE notes; --';
const COLUMNS = ['ti"tle; DROP TABLE notes', "o'clock", '[x]', '-- not a comment', 'a b'];

describe('hostile table and column names, synced through a folder remote', () => {
  let workspace: Workspace;
  let shared: SharedRemote;
  let a: TidemarkDatabase;
  let b: TidemarkDatabase;

  beforeEach(async () => {
    workspace = createWorkspace('tidemark-names-');
    shared = await createSharedRemote('folder');
    [a, b] = ['a', 'b'].map((name) => {
      const db = createReplica(workspace, name);
      db.sqlite.exec(`CREATE TABLE ${quoteName(TABLE)} (id TEXT PRIMARY KEY, ${COLUMNS.map((c) => `${quoteName(c)} TEXT`).join(', ')})`);
      db.track([TABLE]);
      return db;
    }) as [TidemarkDatabase, TidemarkDatabase];
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    for (const db of [a, b]) db.write([{ op: 'put', table: 'notes', id: `note-of-${db.name()}`, values: { title: 'keep me' } }]);
  });
  afterEach(() => {
    workspace.cleanup();
    removeSharedRemote(shared);
  });

  it('writes through the API and through raw SQL arrive as written; no other table is touched', async () => {
    a.write([{ op: 'put', table: TABLE, id: "'); DROP TABLE notes; --", values: Object.fromEntries(COLUMNS.map((c, i) => [c, `value ${i}; DROP TABLE notes`])) }]);
    const insert = a.sqlite.prepare(`INSERT INTO ${quoteName(TABLE)} (id, ${COLUMNS.map(quoteName).join(', ')}) VALUES (?, ${COLUMNS.map(() => '?').join(', ')})`);
    insert.run('raw"row', ...COLUMNS.map((c) => `raw ${c}`));
    a.sqlite.prepare(`UPDATE ${quoteName(TABLE)} SET ${quoteName(COLUMNS[0]!)} = ? WHERE id = ?`).run('updated"; --', 'raw"row');
    b.write([{ op: 'put', table: TABLE, id: 'from b', values: { [COLUMNS[1]!]: "b's" } }]);
    b.sqlite.prepare(`DELETE FROM ${quoteName(TABLE)} WHERE id = ?`).run('from b');

    for (const db of [a, b, a, b]) expect((await sync(db, shared.connect())).problems).toEqual([]);
    expect(dumpLog(b)).toEqual(dumpLog(a));
    expect(dumpRows(b.sqlite, TABLE, 'id')).toEqual(dumpRows(a.sqlite, TABLE, 'id'));
    const rows = dumpRows(b.sqlite, TABLE, 'id');
    expect(rows.map((r) => r.id)).toEqual(['t:"\'); DROP TABLE notes; --"', 't:"raw\\"row"']);
    expect(rows[1]![COLUMNS[0]!]).toBe('t:"updated\\"; --"');
    for (const db of [a, b]) expect(dumpTable(db, 'notes')).toHaveLength(2);
  });
});
