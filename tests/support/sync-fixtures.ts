// Replicas and remotes for sync tests: every remote kind behind one factory
// (so one suite runs over memory, folder and the real S3 test server), typed
// table dumps for byte-for-byte comparison, and a remote that fails on cue.

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { createMemorySecretStore, type SecretStore } from '../../src/main/engine/secrets/secret-store';
import { syncDatabase, type SyncOptions, type SyncReport } from '../../src/main/engine/sync/sync';
import { decide } from '../../src/main/engine/trust/trust';
import { createFolderRemote, createMemoryRemote, createS3Remote, type Remote } from '../../src/main/engine/remote';
import { createTestBucket } from './test-bucket';
import { typed, type Workspace } from './engine-fixtures';

export type RemoteKind = 'memory' | 'folder' | 's3';

export interface SharedRemote {
  kind: RemoteKind;
  /** A client for one replica: each device has its own connection to the same storage. */
  connect(): Remote;
  /** Raw access to the same storage, around the engine. */
  raw: Remote;
  /** The folder, for a folder remote. */
  root?: string;
}

/** Folders of folder remotes made by this test file, deleted when it ends (a run once left thousands in the temp folder). */
const folderRoots = new Set<string>();
afterAll(() => {
  for (const root of folderRoots) rmSync(root, { recursive: true, force: true });
  folderRoots.clear();
});

/** Deletes a folder remote's folder now, not at the end of the file: runs of many seeds would fill the temp folder. */
export function removeSharedRemote(shared: SharedRemote | undefined): void {
  if (!shared?.root) return;
  rmSync(shared.root, { recursive: true, force: true });
  folderRoots.delete(shared.root);
}

export async function createSharedRemote(kind: RemoteKind): Promise<SharedRemote> {
  if (kind === 'memory') {
    const remote = createMemoryRemote();
    return { kind, connect: () => remote, raw: remote };
  }
  if (kind === 'folder') {
    const root = mkdtempSync(join(tmpdir(), 'tidemark-remote-'));
    folderRoots.add(root);
    return { kind, root, connect: () => createFolderRemote(root), raw: createFolderRemote(root) };
  }
  const bucket = await createTestBucket();
  return { kind, connect: () => createS3Remote(bucket.remoteOptions('data')), raw: createS3Remote(bucket.remoteOptions('data')) };
}

export const NOTES_SCHEMA = 'CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, rank INTEGER, score REAL, data BLOB)';

const keychains = new WeakMap<TidemarkDatabase, SecretStore>();

/** The keychain of the device a database lives on (one per database in these tests). */
export function keychainOf(db: TidemarkDatabase): SecretStore {
  let secrets = keychains.get(db);
  if (!secrets) keychains.set(db, (secrets = createMemorySecretStore()));
  return secrets;
}

/** Puts a database on a device that has this keychain. */
export function onDevice(db: TidemarkDatabase, secrets: SecretStore): TidemarkDatabase {
  keychains.set(db, secrets);
  return db;
}

/** A device: its own database file with the notes table tracked. */
export function createReplica(workspace: Workspace, name: string): TidemarkDatabase {
  const db = workspace.open(`${name}.db`, { name });
  db.sqlite.exec(NOTES_SCHEMA);
  db.track(['notes']);
  return db;
}

export function sync(db: TidemarkDatabase, remote: Remote, options: Partial<SyncOptions> = {}): Promise<SyncReport> {
  return syncDatabase(db, remote, { secrets: keychainOf(db), ...options });
}

/** Every device syncs once, then the person approves each device on every other. */
export async function introduce(devices: Array<{ db: TidemarkDatabase; remote: Remote }>): Promise<void> {
  for (const { db, remote } of devices) await sync(db, remote);
  for (const { db, remote } of devices) {
    await sync(db, remote);
    for (const other of devices) if (other.db !== db) await decide(db, keychainOf(db), other.db.uuid, 'trusted');
  }
}

/** Every row of a table with its storage classes, in key order. */
export function dumpTable(db: TidemarkDatabase, table = 'notes'): string[] {
  const rows = db.sqlite.prepare(`SELECT * FROM "${table}" ORDER BY 1`).safeIntegers(true).all() as Array<Record<string, unknown>>;
  return rows.map((row) => Object.entries(row).map(([k, v]) => `${k}=${typed(v)}`).join(' '));
}

/** The change log as a sorted set of full rows (with authors). */
export function dumpLog(db: TidemarkDatabase): string[] {
  return (
    db.sqlite
      .prepare(
        `SELECT c.id, c.transaction_id, t.author, c.entity_type, c.entity_id, c.attribute, c.old_value, c.new_value
         FROM ZV_CHANGE c JOIN ZV_TRANSACTION t ON t.id = c.transaction_id ORDER BY c.id`,
      )
      .raw(true)
      .all() as unknown[][]
  ).map((row) => JSON.stringify(row));
}

export type Operation = 'list' | 'get' | 'putIfAbsent' | 'putIfMatch' | 'delete';

/** Wraps a remote so that calls matching `shouldFail` throw, as a dropped connection would. */
export function failingRemote(inner: Remote, shouldFail: (operation: Operation, key: string) => boolean): Remote & { calls: Array<[Operation, string]> } {
  const calls: Array<[Operation, string]> = [];
  const gate = (operation: Operation, key: string) => {
    calls.push([operation, key]);
    if (shouldFail(operation, key)) throw new Error(`injected failure: ${operation} ${key}`);
  };
  return {
    url: inner.url,
    calls,
    list: async (prefix, options) => (gate('list', prefix), inner.list(prefix, options)),
    get: async (key, options) => (gate('get', key), inner.get(key, options)),
    putIfAbsent: async (key, body) => (gate('putIfAbsent', key), inner.putIfAbsent(key, body)),
    putIfMatch: async (key, body, etag) => (gate('putIfMatch', key), inner.putIfMatch(key, body, etag)),
    delete: async (key) => (gate('delete', key), inner.delete(key)),
  };
}

/** Every file below a folder (a folder remote, a workspace), for byte searches. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
