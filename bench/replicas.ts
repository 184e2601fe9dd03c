// Devices for the sync scenarios: engine databases with the notes table,
// filled through SQL (captured by triggers), each with its own keychain file.

import { join } from 'node:path';
import { openDatabase, type TidemarkDatabase } from '../src/main/engine/database';
import type { Remote } from '../src/main/engine/remote';
import type { SecretStore } from '../src/main/engine/secrets/secret-store';
import { syncDatabase, type SyncReport } from '../src/main/engine/sync/sync';
import { decide } from '../src/main/engine/trust/trust';
import type { Change } from '../src/shared/types';
import { createHlc } from '../src/main/engine/hlc';
import { createFileSecretStore, createNoteGenerator, NOTE_COLUMNS, NOTES_TABLE } from './support';

export interface Device {
  db: TidemarkDatabase;
  secrets: SecretStore;
  file: string;
  secretsFile: string;
}

export function createDevice(dir: string, name: string): Device {
  const file = join(dir, `${name}.db`);
  const secretsFile = join(dir, `${name}.secrets.json`);
  const db = openDatabase(file, { create: true, name });
  db.sqlite.exec(NOTES_TABLE);
  db.track(['notes']);
  return { db, secrets: createFileSecretStore(secretsFile), file, secretsFile };
}

export function reopenDevice(file: string, secretsFile: string): Device {
  return { db: openDatabase(file), secrets: createFileSecretStore(secretsFile), file, secretsFile };
}

/** Writes `rows` new notes through SQL (one transaction per 1000 rows) and captures them. */
export function writeNotes(device: Device, rows: number, seed: number): number {
  const generate = createNoteGenerator(seed);
  const insert = device.db.sqlite.prepare('INSERT INTO notes (id, title, body, rank, score) VALUES (?, ?, ?, ?, ?)');
  const chunk = device.db.sqlite.transaction((n: number) => {
    for (let i = 0; i < n; i++) {
      const r = generate.note();
      insert.run(r.id, r.title, r.body, r.rank, r.score);
    }
  });
  for (let done = 0; done < rows; done += 1000) chunk(Math.min(1000, rows - done));
  return device.db.refresh();
}

export function syncDevice(device: Device, remote: Remote): Promise<SyncReport> {
  return syncDatabase(device.db, remote, { secrets: device.secrets });
}

/** `observer` trusts every other replica it has seen (after a sync). */
export async function trustAll(observer: Device, replicas: readonly string[]): Promise<void> {
  for (const replica of replicas) await decide(observer.db, observer.secrets, replica, 'trusted');
}

/**
 * Changes as one author's captures would make them: `rows` notes of four
 * attributes, one transaction per 1000 rows, ids from a clock.
 */
export function syntheticChanges(rows: number, seed: number, author: string, start = Date.UTC(2026, 0, 1)): Change[] {
  const generate = createNoteGenerator(seed);
  let ms = start;
  const hlc = createHlc({ now: () => (ms += 0.01) });
  const changes: Change[] = [];
  let transactionId = '';
  for (let i = 0; i < rows; i++) {
    if (i % 1000 === 0) transactionId = hlc.next();
    const note = generate.note();
    for (const column of NOTE_COLUMNS) {
      const value = note[column];
      const newValue = typeof value === 'string' ? JSON.stringify(value) : column === 'score' ? encodeReal(value) : String(value);
      changes.push({ id: hlc.next(), transactionId, author, entityType: 'notes', entityId: note.id, attribute: column, oldValue: null, newValue });
    }
  }
  return changes;
}

function encodeReal(value: number): string {
  const text = JSON.stringify(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}
