// What batch and snapshot files share on the way in: inflating a download to
// a private temp file (never the whole of it in memory), and checking every
// change row inside SQLite, so a joining device can copy the rows with one
// INSERT ... SELECT (bulk-load.ts) without reading them into JavaScript.
// The checks are the ones the row readers make (batch-file.ts,
// snapshot-file.ts); when SQLite finds a bad row the reader is run to report
// it in the same words.

import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { INCOMING_CACHE_KIB } from '../change-log';
import { entityOfLatestRow, LATEST_ENTITIES_TABLE, latestTablesSql, type LatestEntityRow } from '../latest-entities';
import type { EntityToWrite } from '../materialize';
import { isValueText } from '../values';

export interface InflatedFile {
  path: string;
  /** Deletes the file and its folder. */
  remove(): void;
}

const INCOMING_FOLDER = 'tidemark-incoming-';

/** Incoming folders older than this were left by a process that died: nothing uses them. */
const STALE_INCOMING_MS = 24 * 60 * 60 * 1000;
let swept = false;

/**
 * Deletes incoming folders a crashed process left in the temp folder (a
 * download, an inflated batch). Runs once per process, when the first one is
 * made, in the background: deleting hundreds of megabytes took this thread
 * 200 ms, and the pull that waited for it peaked about 70 MB higher.
 */
export async function sweepStaleIncoming(now = Date.now()): Promise<void> {
  const root = tmpdir();
  for (const name of await readdir(root)) {
    if (!name.startsWith(INCOMING_FOLDER)) continue;
    try {
      if ((await stat(join(root, name))).mtimeMs < now - STALE_INCOMING_MS) await rm(join(root, name), { recursive: true, force: true });
    } catch {
      // gone already, or another user's: not ours to clear
    }
  }
}

/** A new private folder for one incoming file. */
function newIncomingFolder(): string {
  if (!swept) {
    swept = true;
    sweepStaleIncoming().catch(() => undefined); // the temp folder unreadable: nothing to clear
  }
  return mkdtempSync(join(tmpdir(), INCOMING_FOLDER));
}

/** Deletes the private folder inflateToTempFile made for `path`, with whatever else was written in it. */
export function removeInflated(path: string): void {
  const dir = dirname(path);
  if (basename(dir).startsWith(INCOMING_FOLDER)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Bytes inflated and written at a time. zlib's default of 16 KiB made a batch
 * of 100,000 changes (35 MB inflated) take 230-370 ms, nearly all of it in
 * the round trips of thousands of chunks; 256 KiB takes 55-65 ms.
 */
const INFLATE_CHUNK = 256 * 1024;

/**
 * A downloaded file: its bytes, or a gzip file saveCompressed wrote (the file
 * worker is handed a path, not a copy of the bytes: big buffers crossing
 * threads were most of a pull's peak memory).
 */
export type Compressed = Uint8Array | { gzipPath: string };

/** A path for a download in a new private temp folder, where inflateToTempFile then inflates it. */
export function newDownloadPath(): string {
  return join(newIncomingFolder(), 'download.gz');
}

/**
 * Writes a download held in memory where newDownloadPath says. Synchronous (a
 * few ms for a batch), so that stageBatch hands the file to the worker before
 * it returns: an await here would wait for the apply going on on this thread.
 */
export function saveCompressed(bytes: Uint8Array): { gzipPath: string } {
  const gzipPath = newDownloadPath();
  try {
    writeFileSync(gzipPath, bytes);
  } catch (error) {
    removeInflated(gzipPath);
    throw error;
  }
  return { gzipPath };
}

/** Gunzips `source` into a file of a private temp folder (the saved download's, or a new one), refusing more than `maxBytes`. */
export async function inflateToTempFile(source: Compressed, maxBytes: number): Promise<InflatedFile> {
  const bytes = source instanceof Uint8Array ? source : null;
  const saved = bytes ? null : (source as { gzipPath: string }).gzipPath;
  const dir = saved ? dirname(saved) : newIncomingFolder();
  const path = join(dir, 'changes.db');
  const remove = () => removeInflated(path);
  try {
    let inflated = 0;
    const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK });
    gunzip.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > maxBytes) gunzip.destroy(new Error(`larger than ${Math.round(maxBytes / 1024 / 1024)} MiB when inflated`));
    });
    const input = bytes
      ? Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)])
      : createReadStream(saved!, { highWaterMark: INFLATE_CHUNK });
    await pipeline(input, gunzip, createWriteStream(path, { highWaterMark: INFLATE_CHUNK }));
    if (saved) rmSync(saved, { force: true });
    return { path, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** A downloaded file inflated and opened read-only; close() closes it and deletes it. */
export interface InflatedDatabase {
  db: BetterSqlite3.Database;
  path: string;
  close(): void;
}

/**
 * inflateToTempFile, then the file opened read-only, each failure reported
 * as the file being damaged in the words `reasons` give.
 */
export async function openInflated(
  source: Compressed,
  maxBytes: number,
  corrupt: (reason: string) => Error,
  reasons: { gzip: (message: string) => string; sqlite: (message: string) => string },
): Promise<InflatedDatabase> {
  let inflated: InflatedFile;
  try {
    inflated = await inflateToTempFile(source, maxBytes);
  } catch (error) {
    throw corrupt(reasons.gzip((error as Error).message));
  }
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(inflated.path, { readonly: true, fileMustExist: true });
    db.pragma(`cache_size = -${INCOMING_CACHE_KIB}`); // its tables are read once, in order
  } catch (error) {
    inflated.remove();
    throw corrupt(reasons.sqlite((error as Error).message));
  }
  return {
    db,
    path: inflated.path,
    close: () => {
      try {
        db.close();
      } finally {
        inflated.remove();
      }
    },
  };
}

/** After SQLite found a bad row: the JavaScript reader reads to it and throws in its own words. */
export function nameTheFault(chunks: () => Iterable<unknown>, corrupt: (reason: string) => Error): never {
  for (const chunk of chunks()) void chunk;
  throw corrupt('a change that is not valid');
}

const HEX = '[0-9a-f]';
const UUID7_GLOB = `${HEX.repeat(8)}-${HEX.repeat(4)}-7${HEX.repeat(3)}-[89ab]${HEX.repeat(3)}-${HEX.repeat(12)}`;

/** SQL true when `column` is a UUIDv7 text (isUuid7); octet_length catches a NUL that GLOB would not see past. */
export function uuid7Sql(column: string): string {
  return `(typeof(${column}) = 'text' AND octet_length(${column}) = 36 AND ${column} GLOB '${UUID7_GLOB}')`;
}

/**
 * SQL true when `column` is NULL or the JSON text of a SQLite value
 * (isJsonText). The common shapes are decided in SQL; anything else asks
 * isValueText through the function registerValueCheck adds. Valid JSON text
 * that starts with a quote is one string; valid JSON made of number
 * characters with a fraction or exponent is a number, which isValueText
 * takes at any size (integers are range-checked, so those go to it).
 */
export function valueSql(column: string): string {
  return `(CASE WHEN ${column} IS NULL THEN 1
    WHEN typeof(${column}) <> 'text' THEN 0
    WHEN instr(CAST(${column} AS BLOB), x'00') > 0 THEN zv_value_text(${column})
    WHEN ${column} GLOB '"*' AND json_valid(${column}) THEN 1
    WHEN length(${column}) <= 18 AND ${column} GLOB '[1-9]*' AND ${column} NOT GLOB '*[^0-9]*' THEN 1
    WHEN ${column} GLOB '*[.eE]*' AND ${column} NOT GLOB '*[^-0-9.eE+]*' AND json_valid(${column}) THEN 1
    ELSE zv_value_text(${column}) END)`;
}

export function registerValueCheck(db: BetterSqlite3.Database): void {
  db.function('zv_value_text', { deterministic: true }, (value: unknown) => (typeof value === 'string' && isValueText(value) ? 1 : 0));
}

export interface RowCheck {
  count: number;
  first: string | null;
  last: string | null;
  /** Rows that break a check. */
  bad: number;
}

/** Counts the rows of `from` (a FROM clause whose change table is `c`) and those for which `valid` is false. */
export function checkRows(db: BetterSqlite3.Database, from: string, valid: string, params: Record<string, unknown> = {}): RowCheck {
  registerValueCheck(db);
  return db
    .prepare(`SELECT count(*) AS count, min(c.id) AS first, max(c.id) AS last, coalesce(sum(CASE WHEN ${valid} THEN 0 ELSE 1 END), 0) AS bad FROM ${from}`)
    .get(params) as RowCheck;
}

/** The checks every change row must pass, whatever its file (c is ZV_CHANGE). */
export const CHANGE_ROW_SQL = `${uuid7Sql('c.id')}
  AND typeof(c.entity_type) = 'text' AND typeof(c.entity_id) = 'text' AND typeof(c.attribute) = 'text'
  AND ${valueSql('c.old_value')} AND ${valueSql('c.new_value')}`;

/**
 * Page cache of a connection that sorts a file's changes by entity. A file of
 * 100,000 changes sorts in about 10 MB; with less, SQLite spills part of the
 * sort to a temp file, no slower here, and the worker's peak memory stays
 * out of the pull's (which must stay under 300 MB).
 */
const SORT_CACHE_KIB = 8 * 1024;

const LATEST_SQL = 'SELECT entity_type, entity_id, attribute, new_value, max(id) FROM ZV_CHANGE GROUP BY 1, 2, 3 ORDER BY 1, 2, 3';

/** One attribute's newest value in a file: entity type, entity id, attribute, value. */
type LatestValueRow = [entityType: string, entityId: string, attribute: string, value: string | null];

/**
 * Each entity of a checked file of changes with the newest value of each of
 * its attributes there, in entity order; SQLite returns new_value from the
 * row holding max(id).
 */
export function latestEntities(db: BetterSqlite3.Database): Iterable<EntityToWrite> {
  db.pragma(`cache_size = -${SORT_CACHE_KIB}`);
  return entitiesOf(db.prepare(LATEST_SQL).raw(true).iterate() as IterableIterator<LatestValueRow>);
}

function* entitiesOf(rows: Iterable<LatestValueRow>): Generator<EntityToWrite> {
  let current: { type: string; id: string; latest: Array<{ attribute: string; value: string | null }> } | null = null;
  for (const [type, id, attribute, value] of rows) {
    if (current === null || current.id !== id || current.type !== type) {
      if (current) yield current;
      current = { type, id, latest: [] };
    }
    current.latest.push({ attribute, value });
  }
  if (current) yield current;
}

/**
 * latestEntities of the checked file at `path`, written to a file beside it
 * (latest.db, laid out as latest-entities.ts says): the sort runs on the file
 * worker, and the thread that applies the file reads a quarter of the rows,
 * or none when it writes them inside SQLite. Returns that file's path.
 */
export function writeLatestFile(path: string): string {
  const out = join(dirname(path), 'latest.db');
  const db = new BetterSqlite3(out);
  try {
    // A scratch file in a private folder: nothing to keep if the process dies.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma(`cache_size = -${SORT_CACHE_KIB}`);
    db.prepare('ATTACH ? AS changes').run(path);
    db.pragma(`changes.cache_size = -${INCOMING_CACHE_KIB}`);
    // One sort: the outer GROUP BY reads the inner one's order. Rows go in in entity order.
    db.exec(latestTablesSql(LATEST_SQL.replace('FROM ZV_CHANGE', 'FROM changes.ZV_CHANGE')));
    return out;
  } finally {
    db.close();
  }
}

/** The entities of a file writeLatestFile wrote; close() closes it. */
export function readLatestFile(path: string): { entities: Iterable<EntityToWrite>; close(): void } {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  db.pragma(`cache_size = -${INCOMING_CACHE_KIB}`);
  const rows = db.prepare(`SELECT entity_type, entity_id, attributes, new_values FROM ${LATEST_ENTITIES_TABLE}`).raw(true);
  function* entities(): Generator<EntityToWrite> {
    for (const row of rows.iterate() as IterableIterator<LatestEntityRow>) yield entityOfLatestRow(row);
  }
  return { entities: entities(), close: () => db.close() };
}
