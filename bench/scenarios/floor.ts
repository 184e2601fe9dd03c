// Opt-in scenario (`npm run bench -- floor`): the write API's floor. Scenario
// 1's rows, each with its four changes, written by raw better-sqlite3 straight
// into an engine-made database's log: single-row INSERTs, no lookups, no
// merge, only the engine's id clock and value encoding, with the engine's
// connection settings. Then the same with the log's entity index varied.
// Against the capture scenario's raw baseline, measured here too, it says how
// much of the write API's time storing its changes costs, whatever code does
// it, and how much of that is the index that finds an entity's changes; the
// write API itself runs right after the first of these, against it.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ENGINE_CACHE_KIB, ENGINE_WAL_CHECKPOINT_PAGES } from '../../src/main/engine/change-log';
import { DURABLE_SYNC } from '../../src/main/engine/database';
import { createHlc } from '../../src/main/engine/hlc';
import { BY_ATTRIBUTE_INDEX } from '../../src/main/engine/schema';
import { encodeValue } from '../../src/main/engine/values';
import { figure, NOTE_COLUMNS, scaled, time, type Figure, type NoteRow } from '../support';
import { CHANGES, createBenchDatabase, insertRaw, noteRows, ROWS_PER_TRANSACTION, writeThroughApi } from './capture';

/**
 * How the log's entity index is changed before the rows go in. The entity map
 * is the smallest layout that still finds an attribute's newest change: each
 * entity numbered once in a table keyed by its id (the one random write per
 * row), its changes keyed by that number, which grows like the ids.
 */
const VARIANTS: readonly { label: string; setup: string; entityMap?: true }[] = [
  { label: "the engine's indexes", setup: '' },
  { label: 'the entity index on entity_id alone', setup: `DROP INDEX ${BY_ATTRIBUTE_INDEX}; CREATE INDEX ZV_FLOOR_by_entity ON ZV_CHANGE (entity_id);` },
  {
    label: 'an entity map instead of by_attribute',
    setup: `DROP INDEX ${BY_ATTRIBUTE_INDEX};
      CREATE TABLE ZV_FLOOR_ENTITY (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, number INTEGER NOT NULL, PRIMARY KEY (entity_type, entity_id)) WITHOUT ROWID;
      CREATE TABLE ZV_FLOOR_ENTITY_CHANGE (number INTEGER NOT NULL, attribute TEXT NOT NULL, id TEXT NOT NULL, change INTEGER NOT NULL, PRIMARY KEY (number, attribute, id)) WITHOUT ROWID;`,
    entityMap: true,
  },
  { label: 'no entity index', setup: `DROP INDEX ${BY_ATTRIBUTE_INDEX};` },
];

export async function run(workDir: string): Promise<Figure[]> {
  const rowCount = Math.round(scaled(CHANGES) / NOTE_COLUMNS.length);
  const changes = rowCount * NOTE_COLUMNS.length;
  const rows = noteRows(rowCount);

  const rawFile = join(workDir, 'floor-raw.db');
  createBenchDatabase(rawFile, 'raw').close();
  const rawSeconds = insertRaw(rawFile, 'notes_raw', rows, DURABLE_SYNC);
  removeDatabaseFiles(rawFile);

  const baselineLabel = "raw INSERT into an untracked table (changes/s), as scenario 1's";
  const floorOf = (index: number) => {
    const variant = VARIANTS[index]!;
    const file = join(workDir, `floor-${index}.db`);
    createBenchDatabase(file, `floor-${index}`).close();
    const floorSeconds = writeWithLog(file, rows, variant);
    removeDatabaseFiles(file);
    return figure({
      scenario: 'floor',
      figure: `raw SQL, ${variant.label} (changes/s)`,
      unit: 'changes/s',
      value: changes / floorSeconds,
      baseline: changes / rawSeconds,
      baselineLabel,
      target: { kind: 'none' },
      note: `${floorSeconds.toFixed(2)} s; raw ${rawSeconds.toFixed(2)} s; 1/4 of raw would be ${(rawSeconds * 4).toFixed(2)} s`,
    });
  };
  // The write API runs right after the floor it is compared with.
  const floor = floorOf(0);
  const apiFile = join(workDir, 'floor-api.db');
  const apiSeconds = writeThroughApi(apiFile, rows);
  removeDatabaseFiles(apiFile);
  const api = figure({
    scenario: 'floor',
    figure: `write API, ${changes.toLocaleString('en-US')} changes, against that floor (changes/s)`,
    unit: 'changes/s',
    value: changes / apiSeconds,
    baseline: floor.value,
    baselineLabel: "the same rows and changes in raw SQL with the engine's indexes, just before (changes/s)",
    target: { kind: 'none' },
    note: `${apiSeconds.toFixed(2)} s; ${(rawSeconds / apiSeconds).toFixed(2)}x of raw`,
  });
  return [floor, api, ...VARIANTS.slice(1).map((_, i) => floorOf(i + 1))];
}

/** Each file goes once measured, so the next measurement does not share the disk with its writeback. */
function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/**
 * Each transaction of 1,000 rows inserts them into the untracked notes_raw
 * (no capture triggers; the write API turns them off for its own writes), one
 * ZV_TRANSACTION row and four ZV_CHANGE rows per row. Returns seconds.
 */
function writeWithLog(file: string, rows: readonly NoteRow[], variant: (typeof VARIANTS)[number]): number {
  const sqlite = new BetterSqlite3(file);
  try {
    sqlite.pragma(`synchronous = ${DURABLE_SYNC}`);
    sqlite.pragma(`cache_size = -${ENGINE_CACHE_KIB}`);
    sqlite.pragma(`wal_autocheckpoint = ${ENGINE_WAL_CHECKPOINT_PAGES}`);
    if (variant.setup) sqlite.exec(variant.setup);
    const clock = createHlc({ now: Date.now });
    const author = clock.next();
    const insertRow = sqlite.prepare('INSERT INTO notes_raw (id, title, body, rank, score) VALUES (?, ?, ?, ?, ?)');
    const insertTransaction = sqlite.prepare('INSERT INTO ZV_TRANSACTION (id, author) VALUES (?, ?)');
    const insertChange = sqlite.prepare(
      `INSERT INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, new_value)
       VALUES (?, ?, 'notes', ?, ?, NULL, ?)`,
    );
    const mapped = variant.entityMap ? entityMapWriter(sqlite) : undefined;
    const chunk = sqlite.transaction((from: number, to: number) => {
      const transactionId = clock.next();
      insertTransaction.run(transactionId, author);
      for (let i = from; i < to; i++) {
        const r = rows[i]!;
        insertRow.run(r.id, r.title, r.body, r.rank, r.score);
        const number = mapped ? mapped.entity(r.id) : 0;
        for (const column of NOTE_COLUMNS) {
          const id = clock.next();
          const change = insertChange.run(id, transactionId, r.id, column, encodeValue(r[column])).lastInsertRowid;
          if (mapped) mapped.change(number, column, id, change);
        }
      }
    });
    return time(() => {
      for (let i = 0; i < rows.length; i += ROWS_PER_TRANSACTION) chunk(i, Math.min(rows.length, i + ROWS_PER_TRANSACTION));
    }).seconds;
  } finally {
    sqlite.close();
  }
}

/** The entity map's two inserts: a new entity's number, and each change under it. */
function entityMapWriter(sqlite: BetterSqlite3.Database) {
  const insertEntity = sqlite.prepare(`INSERT INTO ZV_FLOOR_ENTITY (entity_type, entity_id, number) VALUES ('notes', ?, ?)`);
  const insertChange = sqlite.prepare('INSERT INTO ZV_FLOOR_ENTITY_CHANGE (number, attribute, id, change) VALUES (?, ?, ?, ?)');
  let last = 0;
  return {
    entity(id: string): number {
      insertEntity.run(id, ++last);
      return last;
    },
    change(number: number, attribute: string, id: string, change: number | bigint): void {
      insertChange.run(number, attribute, id, change);
    },
  };
}
