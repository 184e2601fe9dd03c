// A joining device's last commit leaves the whole by-attribute index in the
// WAL (about 17,000 pages for a million changes), and copying those pages
// into the database file took the main thread about 0.4 s at the end of the
// pull, with the file worker idle (docs/performance.md, round 15). The worker
// does it instead, on a connection of its own, while the pull goes on.

import BetterSqlite3 from 'better-sqlite3';
import { runOffThread } from './file-worker';

/** Copies what the WAL of the database at `path` holds into the file, as far as no reader stops it (PASSIVE). */
export function checkpointWal(path: string): void {
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } finally {
    db.close();
  }
}

/** The same on the file worker; on this thread where no worker can start. */
export function checkpointOffThread(path: string): Promise<void> {
  return runOffThread('checkpoint', [path], async () => checkpointWal(path));
}
