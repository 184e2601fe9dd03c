// Capture triggers (DESIGN.md section 1): any writer, including the sqlite3
// shell, records its inserts, updates and deletes into ZV_PENDING. They use
// only built-in SQL so they run in every SQLite, and they stay silent while
// the engine itself writes (a row in ZV_CAPTURE_OFF, inside its transaction).

import type { Database } from 'better-sqlite3';
import { quoteIdent, quoteLiteral, type TableShape } from './tables';

const KINDS = ['insert', 'update', 'rekey', 'delete'] as const;

/** Columns the update trigger compares in one INSERT ... SELECT ... UNION ALL (SQLite allows 500 terms). */
const COLUMNS_PER_INSERT = 250;

export function triggerName(table: string, kind: (typeof KINDS)[number]): string {
  return `ZV_capture_${table}_${kind}`;
}

export function installTriggers(db: Database, shape: TableShape): void {
  dropTriggers(db, shape.name);
  const table = quoteIdent(shape.name);
  const type = quoteLiteral(shape.name);
  const pk = quoteIdent(shape.primaryKey);
  const guard = 'NOT EXISTS (SELECT 1 FROM ZV_CAPTURE_OFF)';
  const pending = 'INSERT INTO ZV_PENDING (op, entity_type, entity_id, attribute, has_old, old_raw, new_raw)';
  const deleted = (row: 'OLD' | 'NEW') => `('delete', ${type}, CAST(${row}.${pk} AS TEXT), '_deleted', 0, NULL, 1)`;
  // A table whose only column is its key still needs one attribute to exist.
  const insertedRows = (op: string) =>
    shape.columns.length === 0
      ? `(${quoteLiteral(op)}, ${type}, CAST(NEW.${pk} AS TEXT), '_deleted', 0, NULL, 0)`
      : shape.columns
          .map((c) => `(${quoteLiteral(op)}, ${type}, CAST(NEW.${pk} AS TEXT), ${quoteLiteral(c)}, 0, NULL, NEW.${quoteIdent(c)})`)
          .join(',\n    ');

  db.exec(`CREATE TRIGGER ${quoteIdent(triggerName(shape.name, 'insert'))} AFTER INSERT ON ${table}
  WHEN ${guard} BEGIN
  ${pending} VALUES
    ${insertedRows('insert')};
END`);

  if (shape.columns.length > 0) {
    const changed = shape.columns.map((c) => {
      const column = quoteIdent(c);
      return `SELECT 'update', ${type}, CAST(NEW.${pk} AS TEXT), ${quoteLiteral(c)}, 1, OLD.${column}, NEW.${column}
    WHERE OLD.${column} IS NOT NEW.${column} OR typeof(OLD.${column}) IS NOT typeof(NEW.${column})`;
    });
    // A compound SELECT stops at 500 terms and a table may have 2,000 columns:
    // wider tables get one INSERT per COLUMNS_PER_INSERT columns.
    const inserts: string[] = [];
    for (let i = 0; i < changed.length; i += COLUMNS_PER_INSERT) {
      inserts.push(`${pending}\n    ${changed.slice(i, i + COLUMNS_PER_INSERT).join('\n    UNION ALL ')};`);
    }
    db.exec(`CREATE TRIGGER ${quoteIdent(triggerName(shape.name, 'update'))} AFTER UPDATE ON ${table}
  WHEN OLD.${pk} IS NEW.${pk} AND ${guard} BEGIN
  ${inserts.join('\n  ')}
END`);
  }

  // A changed key is a delete of the old row and an insert of the new one.
  db.exec(`CREATE TRIGGER ${quoteIdent(triggerName(shape.name, 'rekey'))} AFTER UPDATE ON ${table}
  WHEN OLD.${pk} IS NOT NEW.${pk} AND ${guard} BEGIN
  ${pending} VALUES ${deleted('OLD')};
  ${pending} VALUES
    ${insertedRows('insert')};
END`);

  db.exec(`CREATE TRIGGER ${quoteIdent(triggerName(shape.name, 'delete'))} AFTER DELETE ON ${table}
  WHEN ${guard} BEGIN
  ${pending} VALUES ${deleted('OLD')};
END`);
}

export function dropTriggers(db: Database, table: string): void {
  for (const kind of KINDS) db.exec(`DROP TRIGGER IF EXISTS ${quoteIdent(triggerName(table, kind))}`);
}

/** Runs `work` with capture switched off; must be called inside a transaction. */
export function withCaptureOff<T>(db: Database, work: () => T): T {
  db.prepare('INSERT INTO ZV_CAPTURE_OFF (on_purpose) VALUES (1)').run();
  try {
    return work();
  } finally {
    db.prepare('DELETE FROM ZV_CAPTURE_OFF').run();
  }
}
