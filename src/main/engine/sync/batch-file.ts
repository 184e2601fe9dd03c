// Batch files (DESIGN.md section 3): a gzip-compressed SQLite database holding
// one author's ZV_TRANSACTION and ZV_CHANGE rows plus ZV_BATCH metadata.
// Decoding treats the bytes as hostile: size-capped, schema-checked, every
// row validated before anything reaches the local database.

import { gunzipSync, gzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { TidemarkError } from '../../../shared/errors';
import type { Change } from '../../../shared/types';
import { isUuid7 } from '../hlc';
import { sha256Hex } from './hash';

export const BATCH_FORMAT = 1;
/** Changes per batch file: large pushes are split (DESIGN.md 4.2). */
export const MAX_BATCH_CHANGES = 100_000;
/** Uncompressed bytes per batch file before a push splits it. */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;
/** A decompressed batch larger than this is refused rather than filling memory. */
const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

export interface BatchMeta {
  format: number;
  dataset_uuid: string;
  author: string;
  first: string;
  last: string;
  count: number;
  prev_sha256: string;
}

export interface EncodedBatch {
  meta: BatchMeta;
  bytes: Buffer;
  sha256: string;
}

export interface DecodedBatch {
  meta: BatchMeta;
  changes: Change[];
}

const BATCH_SCHEMA = `
CREATE TABLE ZV_BATCH (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE ZV_TRANSACTION (id TEXT NOT NULL PRIMARY KEY, author TEXT NOT NULL);
CREATE TABLE ZV_CHANGE (
  id TEXT NOT NULL PRIMARY KEY, transaction_id TEXT NOT NULL,
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, attribute TEXT NOT NULL,
  old_value TEXT, new_value TEXT,
  FOREIGN KEY (transaction_id) REFERENCES ZV_TRANSACTION(id));
`;

export function batchKey(author: string, first: string, last: string): string {
  return `batches/${author}/${first}_${last}.db.gz`;
}

/** Builds one batch file from changes sorted by id, all by `author`. */
export function encodeBatch(changes: readonly Change[], header: Omit<BatchMeta, 'first' | 'last' | 'count' | 'format'>): EncodedBatch {
  const meta: BatchMeta = {
    format: BATCH_FORMAT,
    ...header,
    first: changes[0]!.id,
    last: changes[changes.length - 1]!.id,
    count: changes.length,
  };
  const db = new BetterSqlite3(':memory:');
  try {
    db.exec(BATCH_SCHEMA);
    db.transaction(() => {
      const putMeta = db.prepare('INSERT INTO ZV_BATCH (key, value) VALUES (?, ?)');
      for (const [key, value] of Object.entries(meta)) putMeta.run(key, String(value));
      const putTransaction = db.prepare('INSERT OR IGNORE INTO ZV_TRANSACTION (id, author) VALUES (?, ?)');
      const putChange = db.prepare('INSERT INTO ZV_CHANGE VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const c of changes) {
        putTransaction.run(c.transactionId, c.author);
        putChange.run(c.id, c.transactionId, c.entityType, c.entityId, c.attribute, c.oldValue, c.newValue);
      }
    })();
    // gzip of identical SQLite bytes is identical: a retried push re-creates the same file.
    const bytes = gzipSync(db.serialize(), { level: 6 });
    return { meta, bytes, sha256: sha256Hex(bytes) };
  } finally {
    db.close();
  }
}

export function decodeBatch(bytes: Uint8Array, file: string): DecodedBatch {
  const corrupt = (reason: string) =>
    new TidemarkError({ kind: 'corrupt-file', file, reason, hint: 'The replica that wrote it must push again; its changes are not applied until then.' });
  let inflated: Buffer;
  try {
    inflated = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    throw corrupt(`not a complete gzip file (${(error as Error).message})`);
  }
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(inflated, { readonly: true });
  } catch {
    throw corrupt('not a SQLite database');
  }
  try {
    const meta = readMeta(db, corrupt);
    if (meta.format > BATCH_FORMAT) {
      throw new TidemarkError({ kind: 'newer-format', file, format: meta.format, hint: 'Update Tidemark on this device to read it.' });
    }
    const authors = new Map<string, string>();
    for (const row of db.prepare('SELECT id, author FROM ZV_TRANSACTION').all() as Array<{ id: unknown; author: unknown }>) {
      if (typeof row.id !== 'string' || row.author !== meta.author) throw corrupt('a transaction by another author');
      authors.set(row.id, row.author);
    }
    const rows = db
      .prepare('SELECT id, transaction_id, entity_type, entity_id, attribute, old_value, new_value FROM ZV_CHANGE ORDER BY id')
      .raw(true)
      .all() as unknown[][];
    const changes: Change[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [id, transactionId, entityType, entityId, attribute, oldValue, newValue] = rows[i]!;
      if (typeof id !== 'string' || !isUuid7(id) || id < meta.first || id > meta.last) throw corrupt('a change id outside the batch');
      if (typeof transactionId !== 'string' || !authors.has(transactionId)) throw corrupt('a change without its transaction');
      if (typeof entityType !== 'string' || typeof entityId !== 'string' || typeof attribute !== 'string') throw corrupt('a change without its entity');
      if (!isJsonText(oldValue, true) || !isJsonText(newValue, true)) throw corrupt('a value that is not JSON text');
      changes[i] = { id, transactionId, author: meta.author, entityType, entityId, attribute, oldValue, newValue };
    }
    if (changes.length !== meta.count) throw corrupt(`it says ${meta.count} changes but holds ${changes.length}`);
    if (changes.length > 0 && (changes[0]!.id !== meta.first || changes[changes.length - 1]!.id !== meta.last)) {
      throw corrupt('its first and last ids do not match its changes');
    }
    return { meta, changes };
  } catch (error) {
    if (error instanceof TidemarkError) throw error;
    throw corrupt(`unreadable (${(error as Error).message})`);
  } finally {
    db.close();
  }
}

function readMeta(db: BetterSqlite3.Database, corrupt: (reason: string) => TidemarkError): BatchMeta {
  const rows = db.prepare('SELECT key, value FROM ZV_BATCH').all() as Array<{ key: unknown; value: unknown }>;
  const values = new Map(rows.map((r) => [String(r.key), typeof r.value === 'string' ? r.value : String(r.value)]));
  const text = (key: string) => {
    const value = values.get(key);
    if (value === undefined) throw corrupt(`its ZV_BATCH has no ${key}`);
    return value;
  };
  const format = Number(text('format'));
  const count = Number(text('count'));
  if (!Number.isInteger(format) || format < 1) throw corrupt('its format is not a number');
  if (!Number.isInteger(count) || count < 0) throw corrupt('its count is not a number');
  return {
    format,
    dataset_uuid: text('dataset_uuid'),
    author: text('author'),
    first: text('first'),
    last: text('last'),
    count,
    prev_sha256: values.get('prev_sha256') ?? '',
  };
}

/** Values are JSON text (or SQL NULL); malformed ones would break materialization later. */
export function isJsonText(value: unknown, nullable: boolean): value is string | null {
  if (value === null) return nullable;
  if (typeof value !== 'string') return false;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}
