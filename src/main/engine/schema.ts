// The engine's tables (DESIGN.md section 1). The first three are the contract
// between replicas and are created exactly as the design gives them; the
// rest are this engine's own bookkeeping, all prefixed ZV_.

import type { Database } from 'better-sqlite3';

export const CONTRACT_SCHEMA = `
CREATE TABLE IF NOT EXISTS ZV_METADATA (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ZV_TRANSACTION (id TEXT NOT NULL PRIMARY KEY, author TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ZV_CHANGE (
  id TEXT NOT NULL PRIMARY KEY, transaction_id TEXT NOT NULL,
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, attribute TEXT NOT NULL,
  old_value TEXT, new_value TEXT,
  FOREIGN KEY (transaction_id) REFERENCES ZV_TRANSACTION(id));
`;

/**
 * The log's own indexes. by_attribute serves latest-value lookups for merge
 * and entity timelines; keyed by entity ids (random in most apps), it is the
 * costly one to keep up. by_table serves per-table history, by_transaction
 * the push's read of our own changes. A joining device builds by_attribute
 * once at the end, by a sort, instead of row by row (bulk-load.ts).
 */
export const BY_ATTRIBUTE_INDEX = 'ZV_CHANGE_by_attribute';
export const CREATE_BY_ATTRIBUTE_INDEX = `CREATE INDEX IF NOT EXISTS ${BY_ATTRIBUTE_INDEX} ON ZV_CHANGE (entity_type, entity_id, attribute, id);`;
export const LOG_INDEXES = [
  { name: BY_ATTRIBUTE_INDEX, create: CREATE_BY_ATTRIBUTE_INDEX },
  { name: 'ZV_CHANGE_by_table', create: 'CREATE INDEX IF NOT EXISTS ZV_CHANGE_by_table ON ZV_CHANGE (entity_type, id);' },
  { name: 'ZV_CHANGE_by_transaction', create: 'CREATE INDEX IF NOT EXISTS ZV_CHANGE_by_transaction ON ZV_CHANGE (transaction_id);' },
] as const;

const ENGINE_SCHEMA = `
${LOG_INDEXES.map((index) => index.create).join('\n')}
CREATE INDEX IF NOT EXISTS ZV_TRANSACTION_by_author ON ZV_TRANSACTION (author, id);

-- Writes captured by triggers from any connection, waiting to become changes.
-- old_raw/new_raw have no type so they keep the SQLite value exactly.
CREATE TABLE IF NOT EXISTS ZV_PENDING (
  seq INTEGER PRIMARY KEY, op TEXT NOT NULL, entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL, attribute TEXT NOT NULL, has_old INTEGER NOT NULL,
  old_raw, new_raw);

-- A row here, written and removed inside one engine transaction, switches the
-- capture triggers off; no other connection can ever see it.
CREATE TABLE IF NOT EXISTS ZV_CAPTURE_OFF (on_purpose INTEGER);

-- Every replica seen on the remote: its last head, and how far we applied it.
CREATE TABLE IF NOT EXISTS ZV_REPLICA (
  replica TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending', public_key TEXT, agreement_key TEXT,
  decided_at TEXT, decided_by TEXT,
  head_etag TEXT, head TEXT,
  applied_last TEXT, applied_count INTEGER NOT NULL DEFAULT 0,
  applied_sha TEXT NOT NULL DEFAULT '', applied_chain TEXT NOT NULL DEFAULT '',
  problem TEXT, problem_etag TEXT, clock_warning TEXT, seen_at TEXT,
  clock_accepted_until TEXT);

-- Concurrent edits (DESIGN.md 2): an incoming change whose old value is not
-- what this replica held, written by a replica that had not seen our value.
CREATE TABLE IF NOT EXISTS ZV_CONFLICT (
  id INTEGER PRIMARY KEY, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, attribute TEXT NOT NULL,
  held_change TEXT NOT NULL, held_value TEXT, held_author TEXT NOT NULL,
  incoming_change TEXT NOT NULL UNIQUE, incoming_value TEXT, incoming_author TEXT NOT NULL,
  resolved_by TEXT);
CREATE INDEX IF NOT EXISTS ZV_CONFLICT_open ON ZV_CONFLICT (resolved_by, id);

CREATE TABLE IF NOT EXISTS ZV_TRACKED (
  table_name TEXT NOT NULL PRIMARY KEY, primary_key TEXT NOT NULL,
  columns TEXT NOT NULL, tracked_at TEXT NOT NULL);
`;

export const META = {
  databaseUuid: 'database_uuid',
  replicaName: 'replica_name',
  schemaVersion: 'engine_schema_version',
  datasetUuid: 'dataset_uuid',
  datasetEncrypted: 'dataset_encrypted',
  remote: 'remote',
  pushState: 'push_state',
  pushIntent: 'push_intent',
  /** Set while a joining device loads files without the by-attribute index (bulk-load.ts). */
  bulkLoad: 'bulk_load',
  /** Batch files of other replicas this device found damaged, published in its head (damage-reports.ts). */
  damageReports: 'damage_reports',
  /** Reports about our own files already acted on, by the reporter's head etag. */
  damageHandled: 'damage_handled',
} as const;

export const ENGINE_SCHEMA_VERSION = '1';

export function installSchema(db: Database, newUuid: () => string, defaultName: string): void {
  db.exec(CONTRACT_SCHEMA);
  db.exec(ENGINE_SCHEMA);
  // Only read when nothing is missing: this runs in a deferred transaction, and
  // one that turns from reading into writing while another connection commits
  // fails at once with SQLITE_BUSY (no busy wait), so opening a database that
  // another program is writing to would fail.
  const has = db.prepare('SELECT 1 FROM ZV_METADATA WHERE key = ?').pluck();
  const setIfMissing = db.prepare('INSERT OR IGNORE INTO ZV_METADATA (key, value) VALUES (?, ?)');
  if (has.get(META.databaseUuid) === undefined) setIfMissing.run(META.databaseUuid, newUuid());
  if (has.get(META.replicaName) === undefined) setIfMissing.run(META.replicaName, defaultName);
  if (has.get(META.schemaVersion) === undefined) setIfMissing.run(META.schemaVersion, ENGINE_SCHEMA_VERSION);
}

export function readMeta(db: Database, key: string): string | null {
  const row = db.prepare('SELECT value FROM ZV_METADATA WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

export function writeMeta(db: Database, key: string, value: string): void {
  db.prepare('INSERT INTO ZV_METADATA (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function isEngineTable(name: string): boolean {
  return /^zv_/i.test(name) || /^sqlite_/i.test(name);
}
