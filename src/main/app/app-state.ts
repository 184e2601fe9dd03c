// The app's own small state: which databases it lists, and first-run settings.
// Kept as JSON in the data dir, written atomically (temp file + rename) so a
// crash leaves the old list or the new one, never half of it.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SyncRun, SyncSettings } from '../../shared/sync-types';

export interface DatabaseEntry {
  id: string;
  path: string;
  addedAt: string;
  /** Automatic sync as the person chose it (absent: the defaults for the remote's kind). */
  sync?: SyncSettings;
  /** The last sync's outcome, shown after a restart. */
  lastSync?: SyncRun;
  lastSuccess?: string;
}

export interface AppState {
  format: 1;
  databases: DatabaseEntry[];
  /** Folder remote created on first run; the sync engine wires it to a database. */
  remoteFolder: string | null;
  /** The first-run sample was offered once; removing it must not bring it back. */
  welcomed: boolean;
}

export const emptyState = (): AppState => ({ format: 1, databases: [], remoteFolder: null, welcomed: false });

export function newDatabaseId(): string {
  // Base-36 of random bytes: short, URL- and filename-safe, matches the contract's pattern.
  return `db_${BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36)}`;
}

/** Reads the state; a missing file is a first run, a damaged one is set aside, not fatal. */
export function loadState(file: string): { state: AppState; firstRun: boolean } {
  if (!existsSync(file)) return { state: emptyState(), firstRun: true };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AppState>;
    const databases = Array.isArray(parsed.databases)
      ? parsed.databases.filter(
          (d): d is DatabaseEntry => typeof d?.id === 'string' && /^db_[a-z0-9]{6,32}$/.test(d.id) && typeof d.path === 'string',
        )
      : [];
    return {
      state: {
        format: 1,
        databases,
        remoteFolder: typeof parsed.remoteFolder === 'string' ? parsed.remoteFolder : null,
        welcomed: parsed.welcomed === true,
      },
      firstRun: false,
    };
  } catch {
    renameSync(file, `${file}.damaged-${Date.now()}`);
    return { state: { ...emptyState(), welcomed: true }, firstRun: false };
  }
}

export function saveState(file: string, state: AppState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, file);
}
