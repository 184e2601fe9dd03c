// A database with a long history, written straight into the ZV_ tables the
// way years of syncing would leave them: one transaction per second, with
// valid clock ids, on a tracked table whose rows exist.

import { openDatabase } from '../../../src/main/engine/database';
import { formatUuid7 } from '../../../src/main/engine/hlc';

export interface SeededLog {
  path: string;
  transactions: number;
  changes: number;
}

export function seedLongHistory(path: string, transactions: number, perTransaction = 4): SeededLog {
  const db = openDatabase(path, { create: true, name: 'Seeder' });
  try {
    db.sqlite.exec('CREATE TABLE items (id TEXT PRIMARY KEY, title TEXT, qty INTEGER, note TEXT, tag TEXT)');
    db.track(['items']);
    const start = Date.now() - transactions * 1000 - 60_000;
    const id = (t: number, k: number) => formatUuid7(start + t * 1000, k, 777);
    const tx = db.sqlite.prepare('INSERT INTO ZV_TRANSACTION (id, author) VALUES (?, ?)');
    const ch = db.sqlite.prepare('INSERT INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const row = db.sqlite.prepare('INSERT OR REPLACE INTO items (id, title, qty, note, tag) VALUES (?, ?, ?, ?, ?)');
    const attributes = ['title', 'qty', 'note', 'tag'].slice(0, perTransaction);
    db.sqlite.transaction(() => {
      db.sqlite.prepare('INSERT INTO ZV_CAPTURE_OFF (on_purpose) VALUES (1)').run(); // these rows are not new local edits
      for (let t = 0; t < transactions; t++) {
        const transaction = id(t, 0);
        tx.run(transaction, db.uuid);
        const entity = `item-${t % 5000}`;
        const title = t === 1000 ? 'the needle' : `Item ${t % 5000} v${Math.floor(t / 5000)}`;
        const values: Record<string, string> = { title: JSON.stringify(title), qty: String(t), note: '"x"', tag: '"y"' };
        attributes.forEach((a, k) => ch.run(id(t, k + 1), transaction, 'items', entity, a, t < 5000 ? null : '"older"', values[a]));
        if (t >= transactions - 5000) row.run(entity, title, t, 'x', 'y');
      }
      db.sqlite.prepare('DELETE FROM ZV_CAPTURE_OFF').run();
    })();
    return { path, transactions, changes: transactions * perTransaction };
  } finally {
    db.close();
  }
}
