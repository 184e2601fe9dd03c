// The first run's "Getting started" database: a small tracked table with a
// few edits already in its history, and one table that shows why a table
// cannot always be tracked. Made with the engine's own write API, so it is an
// ordinary Tidemark database the person may keep, change or remove.

import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, type TidemarkDatabase } from '../engine/database';

const NOTES = [
  ['n-welcome', 'Welcome to Tidemark', 'Every change to a tracked table is recorded, with who made it and when.', 'start', 1],
  ['n-sync', 'Sync through storage you own', 'A folder (USB disk, Dropbox, Syncthing) or an S3 bucket. No server of ours.', 'sync', 0],
  ['n-history', 'Browse the history', 'Open the History tab: filter by table, row or text, and revert any transaction.', 'history', 0],
  ['n-edit', 'Edit a cell', 'Double-click a cell on the Data tab, or select it and press Enter.', 'data', 0],
  ['n-sqlite', 'It is still plain SQLite', 'Any program may write this file; Tidemark captures those changes too.', 'sqlite', 0],
] as const;

export function createSampleDatabase(path: string, name?: string): void {
  // User tables first, as any app would have them, then Tidemark adopts the file.
  const raw = new BetterSqlite3(path);
  try {
    raw.exec(`
      CREATE TABLE notes (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT,
        tag TEXT,
        pinned INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE app_log (id INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT);
      INSERT INTO app_log (message) VALUES ('This table uses auto-numbered ids, so Tidemark will not track it.');
    `);
    const insert = raw.prepare('INSERT INTO notes (id, title, body, tag, pinned) VALUES (?, ?, ?, ?, ?)');
    for (const note of NOTES.slice(0, 3)) insert.run(...note);
  } finally {
    raw.close();
  }
  let db: TidemarkDatabase | undefined;
  try {
    db = openDatabase(path, { name });
    db.track(['notes']);
    // A little history to look at: an addition, an edit, and a deletion.
    const put = (id: string, values: Record<string, unknown>) => db!.write([{ op: 'put', table: 'notes', id, values }]);
    for (const [id, title, body, tag, pinned] of NOTES.slice(3)) put(id, { title, body, tag, pinned });
    put('n-sync', { title: 'Sync through storage you already own' });
    put('n-scratch', { title: 'Scratch note', body: 'Deleted right away: see it in the history.' });
    db.write([{ op: 'delete', table: 'notes', id: 'n-scratch' }]);
  } finally {
    db?.close();
  }
}
