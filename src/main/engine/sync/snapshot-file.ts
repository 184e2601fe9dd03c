// Snapshot files (DESIGN.md 4.4): a replica's whole merged log as one gzip
// SQLite file — ZV_TRANSACTION and ZV_CHANGE like a batch, plus ZV_SNAPSHOT
// (metadata) and ZV_SNAPSHOT_POSITION (how far each author's batches it holds).
// Built and read through temp files so a log of millions never sits in memory.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createReadStream, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { TidemarkError } from '../../../shared/errors';
import type { Change } from '../../../shared/types';
import type { TidemarkDatabase } from '../database';
import { isUuid7 } from '../hlc';
import { assertPlainTables, assertWhole, isJsonText } from './batch-file';
import type { EntityToWrite } from '../materialize';
import { checkRows, CHANGE_ROW_SQL, latestEntities, nameTheFault, openInflated, uuid7Sql } from './change-file';

export const SNAPSHOT_FORMAT = 1;
const CHUNK = 20_000;
const MAX_INFLATED_BYTES = 8 * 1024 * 1024 * 1024;

export interface SnapshotPosition {
  replica: string;
  last: string;
  count: number;
  sha: string;
  chain: string;
}

export interface SnapshotMeta {
  format: number;
  dataset_uuid: string;
  author: string;
  /** The snapshot's own id (a clock id of its author). */
  last: string;
  count: number;
}

export function snapshotKey(author: string, last: string): string {
  return `snapshots/${author}/${last}.db.gz`;
}

/** Writes this database's log up to each author's position into a gzip SQLite file. */
export async function buildSnapshotFile(db: TidemarkDatabase, positions: SnapshotPosition[], meta: Omit<SnapshotMeta, 'count' | 'format'>): Promise<{ bytes: Buffer; meta: SnapshotMeta }> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-snapshot-'));
  const file = join(dir, 'snapshot.db');
  try {
    const out = new BetterSqlite3(file);
    out.pragma('journal_mode = OFF');
    out.exec(`
      CREATE TABLE ZV_SNAPSHOT (key TEXT PRIMARY KEY, value TEXT);
      CREATE TABLE ZV_SNAPSHOT_POSITION (replica TEXT PRIMARY KEY, last TEXT NOT NULL, count INTEGER NOT NULL, sha TEXT NOT NULL, chain TEXT NOT NULL);
      CREATE TABLE ZV_TRANSACTION (id TEXT NOT NULL PRIMARY KEY, author TEXT NOT NULL);
      CREATE TABLE ZV_CHANGE (id TEXT NOT NULL PRIMARY KEY, transaction_id TEXT NOT NULL, entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL, attribute TEXT NOT NULL, old_value TEXT, new_value TEXT,
        FOREIGN KEY (transaction_id) REFERENCES ZV_TRANSACTION(id));`);
    const putPosition = out.prepare('INSERT INTO ZV_SNAPSHOT_POSITION VALUES (?, ?, ?, ?, ?)');
    for (const p of positions) putPosition.run(p.replica, p.last, p.count, p.sha, p.chain);
    out.close();

    // One statement copies the log inside SQLite: consistent, and no rows in JS.
    db.sqlite.prepare('ATTACH DATABASE ? AS snap').run(file);
    let count = 0;
    try {
      db.sqlite.transaction(() => {
        db.sqlite.exec(`INSERT INTO snap.ZV_CHANGE SELECT c.* FROM main.ZV_CHANGE c
          JOIN main.ZV_TRANSACTION t ON t.id = c.transaction_id
          JOIN snap.ZV_SNAPSHOT_POSITION p ON p.replica = t.author
          WHERE c.id <= p.last ORDER BY c.id`);
        db.sqlite.exec(`INSERT INTO snap.ZV_TRANSACTION SELECT t.* FROM main.ZV_TRANSACTION t
          WHERE t.id IN (SELECT DISTINCT transaction_id FROM snap.ZV_CHANGE)`);
        count = db.sqlite.prepare('SELECT count(*) FROM snap.ZV_CHANGE').pluck().get() as number;
        const fullMeta: SnapshotMeta = { format: SNAPSHOT_FORMAT, ...meta, count };
        const putMeta = db.sqlite.prepare('INSERT INTO snap.ZV_SNAPSHOT (key, value) VALUES (?, ?)');
        for (const [key, value] of Object.entries(fullMeta)) putMeta.run(key, String(value));
      })();
    } finally {
      db.sqlite.prepare('DETACH DATABASE snap').run();
    }
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(`${file}.gz`));
    return { bytes: readFileSync(`${file}.gz`), meta: { format: SNAPSHOT_FORMAT, ...meta, count } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface OpenedSnapshot {
  meta: SnapshotMeta;
  positions: SnapshotPosition[];
  /** The inflated file, every row checked: db.applyFile takes it. */
  path: string;
  /** The changes in id order, in chunks; each row validated like a batch's. */
  chunks(): Generator<Change[]>;
  latest(): Iterable<EntityToWrite>;
  close(): void;
}

const SNAPSHOT_COLUMNS: Record<string, readonly string[]> = {
  ZV_SNAPSHOT: ['key', 'value'],
  ZV_SNAPSHOT_POSITION: ['chain', 'count', 'last', 'replica', 'sha'],
  ZV_TRANSACTION: ['author', 'id'],
  ZV_CHANGE: ['attribute', 'entity_id', 'entity_type', 'id', 'new_value', 'old_value', 'transaction_id'],
};

export async function openSnapshotFile(bytes: Uint8Array, file: string): Promise<OpenedSnapshot> {
  const corrupt = (reason: string) =>
    new TidemarkError({ kind: 'corrupt-file', file, reason, hint: 'Its replica must publish a new snapshot; until then batches are pulled one by one.' });
  const { db, path, close } = await openInflated(bytes, MAX_INFLATED_BYTES, corrupt, {
    gzip: (message) => `not a complete gzip SQLite file (${message})`,
    sqlite: (message) => `not a complete gzip SQLite file (${message})`,
  });
  try {
    // As for batches: nothing but plain tables, checked before any is read.
    db.pragma('trusted_schema = OFF');
    assertPlainTables(db, SNAPSHOT_COLUMNS, corrupt, ['ZV_SNAPSHOT']);
    const values = new Map((db.prepare('SELECT key, value FROM ZV_SNAPSHOT').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    const meta: SnapshotMeta = {
      format: Number(values.get('format')),
      dataset_uuid: values.get('dataset_uuid') ?? '',
      author: values.get('author') ?? '',
      last: values.get('last') ?? '',
      count: Number(values.get('count')),
    };
    if (meta.format > SNAPSHOT_FORMAT) throw new TidemarkError({ kind: 'newer-format', file, format: meta.format, hint: 'Update Tidemark on this device.' });
    if (!Number.isInteger(meta.format) || !isUuid7(meta.author) || !Number.isInteger(meta.count)) throw corrupt('its ZV_SNAPSHOT is incomplete');
    assertPlainTables(db, SNAPSHOT_COLUMNS, corrupt);
    assertWhole(db, corrupt);
    const positions = db.prepare('SELECT replica, last, count, sha, chain FROM ZV_SNAPSHOT_POSITION').all() as SnapshotPosition[];
    for (const p of positions) if (!isUuid7(p.replica) || !isUuid7(p.last) || !Number.isInteger(p.count)) throw corrupt('a position is malformed');
    const lastOf = new Map(positions.map((p) => [p.replica, p.last]));
    const page = db
      .prepare(
        `SELECT c.id, c.transaction_id, t.author, c.entity_type, c.entity_id, c.attribute, c.old_value, c.new_value
         FROM ZV_CHANGE c JOIN ZV_TRANSACTION t ON t.id = c.transaction_id WHERE c.id > ? ORDER BY c.id LIMIT ${CHUNK}`,
      )
      .raw(true);
    const chunks = function* (): Generator<Change[]> {
      let after = '';
      let seen = 0;
      for (;;) {
        const rows = page.all(after) as unknown[][];
        if (rows.length === 0) break;
        yield rows.map((row) => {
          const [id, transactionId, author, entityType, entityId, attribute, oldValue, newValue] = row;
          if (typeof id !== 'string' || !isUuid7(id) || typeof author !== 'string') throw corrupt('a change id or author is malformed');
          const last = lastOf.get(author);
          if (last === undefined || id > last) throw corrupt('a change beyond its author\'s position');
          // A transaction is stamped before its changes: a later id would only move clocks forward.
          if (typeof transactionId !== 'string' || !isUuid7(transactionId) || transactionId > last) throw corrupt('a transaction id beyond its author\'s position');
          if (typeof entityType !== 'string' || typeof entityId !== 'string' || typeof attribute !== 'string') throw corrupt('a change without its entity');
          if (!isJsonText(oldValue, true) || !isJsonText(newValue, true)) throw corrupt('a value that is not JSON text');
          return { id, transactionId, author, entityType, entityId, attribute, oldValue, newValue };
        });
        seen += rows.length;
        after = rows[rows.length - 1]![0] as string;
      }
      if (seen !== meta.count) throw corrupt(`it says ${meta.count} changes but holds ${seen}`);
    };
    // Every row checked now, inside SQLite (a joining device copies them there).
    const check = checkRows(
      db,
      'ZV_CHANGE c LEFT JOIN ZV_TRANSACTION t ON t.id = c.transaction_id LEFT JOIN ZV_SNAPSHOT_POSITION p ON p.replica = t.author',
      `${CHANGE_ROW_SQL} AND p.last IS NOT NULL AND c.id <= p.last AND ${uuid7Sql('t.id')} AND t.id <= p.last`,
    );
    if (check.bad > 0 || check.count !== meta.count) nameTheFault(chunks, corrupt);
    return { meta, positions, path, chunks, latest: () => latestEntities(db), close };
  } catch (error) {
    close();
    if (error instanceof TidemarkError) throw error;
    throw corrupt(`unreadable (${(error as Error).message})`);
  }
}
