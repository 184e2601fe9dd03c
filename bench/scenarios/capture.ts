// Scenario 1: capture. 1,000,000 attribute changes (250,000 rows of four
// attributes) written through the write API, and through plain SQL by another
// connection into a tracked table (captured by triggers, turned into changes by
// the engine's next refresh), against the same rows inserted by raw
// better-sqlite3 into an untracked table of the same shape.

import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DURABLE_SYNC, openDatabase } from '../../src/main/engine/database';
import type { WriteOp } from '../../src/shared/types';
import { createNoteGenerator, figure, NOTE_COLUMNS, NOTES_TABLE, scaled, time, type Figure, type NoteRow } from '../support';

export const CHANGES = 1_000_000;
export const ROWS_PER_TRANSACTION = 1000;

export function noteRows(count: number, seed = 1): NoteRow[] {
  const generate = createNoteGenerator(seed);
  const rows: NoteRow[] = new Array(count);
  for (let i = 0; i < count; i++) rows[i] = generate.note();
  return rows;
}

/**
 * Inserts rows with a plain connection, one transaction per 1000 rows, as any
 * program would; with `synchronous`, at that durability instead of
 * better-sqlite3's default for a WAL file (NORMAL).
 */
export function insertRaw(file: string, table: string, rows: readonly NoteRow[], synchronous?: typeof DURABLE_SYNC): number {
  const sqlite = new BetterSqlite3(file);
  try {
    sqlite.pragma('busy_timeout = 5000');
    if (synchronous) sqlite.pragma(`synchronous = ${synchronous}`);
    const insert = sqlite.prepare(`INSERT INTO ${table} (id, title, body, rank, score) VALUES (?, ?, ?, ?, ?)`);
    const chunk = sqlite.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const r = rows[i]!;
        insert.run(r.id, r.title, r.body, r.rank, r.score);
      }
    });
    return time(() => {
      for (let i = 0; i < rows.length; i += ROWS_PER_TRANSACTION) chunk(i, Math.min(rows.length, i + ROWS_PER_TRANSACTION));
    }).seconds;
  } finally {
    sqlite.close();
  }
}

/** Writes the rows through the write API of a fresh engine database, 1000 rows per call; returns seconds. */
export function writeThroughApi(file: string, rows: readonly NoteRow[]): number {
  const db = createBenchDatabase(file, 'api');
  try {
    let made = 0;
    const api = time(() => {
      for (let i = 0; i < rows.length; i += ROWS_PER_TRANSACTION) {
        const ops: WriteOp[] = [];
        for (let j = i; j < Math.min(rows.length, i + ROWS_PER_TRANSACTION); j++) {
          const r = rows[j]!;
          ops.push({ op: 'put', table: 'notes', id: r.id, values: { title: r.title, body: r.body, rank: r.rank, score: r.score } });
        }
        made += db.write(ops).changes;
      }
    });
    const expected = rows.length * NOTE_COLUMNS.length;
    if (made !== expected) throw new Error(`the write API made ${made} changes, expected ${expected}`);
    return api.seconds;
  } finally {
    db.close();
  }
}

/** A fresh engine database with the notes table tracked (and an untracked copy for the baseline). */
export function createBenchDatabase(file: string, name: string) {
  const db = openDatabase(file, { create: true, name });
  db.sqlite.exec(NOTES_TABLE);
  db.sqlite.exec(NOTES_TABLE.replace('notes', 'notes_raw'));
  db.track(['notes']);
  return db;
}

export async function run(workDir: string): Promise<Figure[]> {
  const rowCount = Math.round(scaled(CHANGES) / NOTE_COLUMNS.length);
  const changes = rowCount * NOTE_COLUMNS.length;
  const rows = noteRows(rowCount);

  // Baseline: the same rows into an untracked table of a fresh database, each
  // commit as durable as the engine's (NORMAL measured the same here).
  const rawDb = createBenchDatabase(join(workDir, 'capture-raw.db'), 'raw');
  rawDb.close();
  const rawSeconds = insertRaw(join(workDir, 'capture-raw.db'), 'notes_raw', rows, DURABLE_SYNC);
  const raw = changes / rawSeconds;

  // SQL on a tracked table from another connection; the engine's next refresh makes the changes.
  const sqlFile = join(workDir, 'capture-sql.db');
  const sqlDb = createBenchDatabase(sqlFile, 'sql');
  const sqlInsertSeconds = insertRaw(sqlFile, 'notes', rows);
  const refresh = time(() => sqlDb.refresh());
  if (refresh.value !== changes) throw new Error(`capture made ${refresh.value} changes, expected ${changes}`);
  sqlDb.close();
  const sqlSeconds = sqlInsertSeconds + refresh.seconds;

  const apiSeconds = writeThroughApi(join(workDir, 'capture-api.db'), rows);

  const baselineLabel = 'raw INSERT into an untracked table (changes/s)';
  return [
    figure({
      scenario: 'capture',
      figure: `write API, ${changes.toLocaleString('en-US')} changes (changes/s)`,
      unit: 'changes/s',
      value: changes / apiSeconds,
      baseline: raw,
      baselineLabel,
      target: { kind: 'ratio-at-least', value: 1 / 4 },
      note: `${apiSeconds.toFixed(2)} s; raw ${rawSeconds.toFixed(2)} s`,
    }),
    figure({
      scenario: 'capture',
      figure: `SQL + triggers, ${changes.toLocaleString('en-US')} changes (changes/s)`,
      unit: 'changes/s',
      value: changes / sqlSeconds,
      baseline: raw,
      baselineLabel,
      target: { kind: 'ratio-at-least', value: 1 / 4 },
      note: `inserts ${sqlInsertSeconds.toFixed(2)} s + refresh ${refresh.seconds.toFixed(2)} s`,
    }),
  ];
}
