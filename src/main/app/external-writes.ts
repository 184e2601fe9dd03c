// Writes by other programs (the sqlite3 shell, another app) are captured by
// triggers into ZV_PENDING, but become changes only when the engine next
// touches the database. Watching the file turns them into changes and commit
// events within a moment, so the UI updates without polling.
// `PRAGMA data_version` changes only when another connection committed, so our
// own writes (which touch the WAL too) never start a loop.

import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TidemarkDatabase } from '../engine/database';

const SETTLE_MS = 150;

export function watchExternalWrites(db: TidemarkDatabase, onWrite: () => void, onError: (error: unknown) => void = () => {}): () => void {
  const file = basename(db.path);
  const related = new Set([file, `${file}-wal`, `${file}-journal`]);
  let version = readVersion(db);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;

  const check = () => {
    timer = undefined;
    if (!db.sqlite.open) return;
    try {
      const current = readVersion(db);
      if (current === version) return;
      version = current;
      db.refresh(); // fires onCommit when captures became changes
      onWrite(); // schema and untracked tables change without a commit event
    } catch (error) {
      onError(error);
    }
  };

  try {
    watcher = watch(dirname(db.path), { persistent: false }, (_event, name) => {
      if (name !== null && !related.has(name.toString())) return;
      clearTimeout(timer);
      timer = setTimeout(check, SETTLE_MS);
    });
    watcher.on('error', onError);
  } catch (error) {
    onError(error); // e.g. no inotify watches left: live updates from other programs wait for the next action
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}

function readVersion(db: TidemarkDatabase): number {
  return db.sqlite.pragma('data_version', { simple: true }) as number;
}
