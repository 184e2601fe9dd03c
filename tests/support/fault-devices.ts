// Devices kept on disk for crash tests: each a database file and a keychain
// file, all sharing one folder remote, under one directory. A prepared set is
// copied for every crash scenario (databases copied, the remote hard-linked so
// its files keep their etags: the folder remote never rewrites a file in place),
// and a sync child (sync-child.ts) is run on a copy and killed at a chosen step.
// Checks compare replicas by their change logs and user tables.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type TidemarkDatabase } from '../../src/main/engine/database';
import { onDevice } from './sync-fixtures';
import { createFileSecretStore } from './fault-secrets';
import type { ChildConfig } from './sync-child';

export interface Device {
  name: string;
  db: string;
  secrets: string;
}

export interface DeviceSet {
  dir: string;
  remote: string;
  devices: Device[];
}

export function deviceSet(dir: string, names: readonly string[]): DeviceSet {
  const remote = join(dir, 'remote');
  mkdirSync(remote, { recursive: true });
  return { dir, remote, devices: names.map((name) => ({ name, db: join(dir, `${name}.db`), secrets: join(dir, `${name}.keychain.json`) })) };
}

export function device(set: DeviceSet, name: string): Device {
  const found = set.devices.find((d) => d.name === name);
  if (!found) throw new Error(`no device ${name}`);
  return found;
}

/** Opens a device's database with its keychain (what `keychainOf` then returns). */
export function openDevice(spec: Device, options: { create?: boolean } = {}): TidemarkDatabase {
  const db = openDatabase(spec.db, { create: options.create ?? false, name: options.create ? spec.name : undefined });
  return onDevice(db, createFileSecretStore(spec.secrets));
}

function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) linkTree(join(from, entry.name), join(to, entry.name));
    else if (entry.isFile()) linkSync(join(from, entry.name), join(to, entry.name));
  }
}

/** A copy of a closed device set: databases and keychains copied, the remote hard-linked. */
export function copyDeviceSet(from: DeviceSet, dir: string): DeviceSet {
  const to = deviceSet(dir, from.devices.map((d) => d.name));
  from.devices.forEach((source, i) => {
    const target = to.devices[i]!;
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(source.db + suffix)) copyFileSync(source.db + suffix, target.db + suffix);
    copyFileSync(source.secrets, target.secrets);
  });
  linkTree(from.remote, to.remote);
  return to;
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** "<n> <operation> <key>" per remote call the child announced. */
  calls: string[];
  report?: { pushed: number; pulled: number; problems: unknown[] };
  error?: { kind: string };
  output: string;
}

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('./sync-child.ts', import.meta.url));

export function runSyncChild(config: ChildConfig): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(config)], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-8000)));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const lines = stdout.split('\n');
      const after = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
      const report = after('REPORT ');
      const error = after('ERROR ');
      resolve({
        code,
        signal,
        calls: lines.filter((l) => l.startsWith('CALL ')).map((l) => l.slice(5)),
        report: report ? JSON.parse(report) : undefined,
        error: error ? JSON.parse(error) : undefined,
        output: `${stdout}\n${stderr}`,
      });
    });
  });
}

/**
 * The change log by content: one line per change with its author, entity,
 * attribute and new value, sorted. Ids are left out so that changes stamped at
 * different moments (a capture flushed later) still compare; a change held twice
 * under two ids shows up as a repeated line.
 */
export function logContents(db: TidemarkDatabase): string[] {
  const rows = db.sqlite
    .prepare(
      `SELECT t.author, c.entity_type, c.entity_id, c.attribute, c.new_value
       FROM ZV_CHANGE c JOIN ZV_TRANSACTION t ON t.id = c.transaction_id`,
    )
    .raw(true)
    .all() as unknown[][];
  return rows.map((row) => JSON.stringify(row)).sort();
}

/** Lines that occur more than once. */
export function repeated(lines: readonly string[]): string[] {
  return lines.filter((line, i) => i > 0 && lines[i - 1] === line);
}

/** Change ids of the log, sorted: the set every replica must end up holding. */
export function changeIds(db: TidemarkDatabase): string[] {
  return db.sqlite.prepare('SELECT id FROM ZV_CHANGE ORDER BY id').pluck().all() as string[];
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of results. */
export async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}
