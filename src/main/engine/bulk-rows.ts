// A joining device's user rows written inside SQLite (bulk-load.ts): the
// entities of a file that share one list of attributes go into their table
// by one INSERT ... SELECT from the file's newest values (latest-entities.ts),
// with no row read into JavaScript. Reading each row into JavaScript, parsing
// it and binding it back took half of the main thread's apply
// (docs/performance.md, round 9).
//
// Every value goes through decodeValue itself, registered as a SQL function,
// so a row written here is exactly the row the row-by-row path writes. That
// is also the fastest way measured: decoding the plain values in SQL instead
// (GLOB tests for printable ASCII, substr, CAST) took about 25% longer
// (docs/performance.md, round 14).

import type { Database, Statement } from 'better-sqlite3';
import { LATEST_ENTITIES_TABLE } from './latest-entities';
import { quoteIdent, type TableShape } from './tables';
import { decodeValue } from './values';

/** Entities a file brought without leaving a row (deleted, or waiting on a constraint). */
export const ROWLESS_TABLE = 'temp.zv_bulk_rowless';

export function registerDecodeValue(db: Database): void {
  db.function('zv_decode_value', { deterministic: true }, (text: unknown) => decodeValue(text as string | null));
}

/**
 * The statement writing the rows of `shape`'s entities whose attributes are
 * `attributes` (bound as @type and @attributes, the JSON text of the list) from
 * the newest values attached as `schema`; with `skipRowless`, not the
 * entities ROWLESS_TABLE holds. Rows that exist already are left alone (ON
 * CONFLICT DO NOTHING): the caller compares the rows written with the
 * entities it expected. Null when this list cannot be written so (a
 * `_deleted` attribute: the row-by-row path decides whether there is a row).
 */
export function setInsertSql(shape: TableShape, attributes: readonly string[], schema: string, skipRowless: boolean): string | null {
  if (attributes.includes('_deleted')) return null;
  const known = new Set(shape.columns);
  const names = [shape.primaryKey];
  const values = ['e.entity_id'];
  attributes.forEach((attribute, i) => {
    if (!known.has(attribute)) return; // a column this replica's table does not have: the log keeps it
    names.push(attribute);
    values.push(`zv_decode_value(json_extract(e.new_values, '$[${i}]'))`);
  });
  return `INSERT INTO main.${quoteIdent(shape.name)} (${names.map(quoteIdent).join(', ')})
    SELECT ${values.join(', ')} FROM ${quoteIdent(schema)}.${LATEST_ENTITIES_TABLE} e
    WHERE e.entity_type = @type AND e.attributes = @attributes${skipRowless ? ` AND NOT EXISTS (SELECT 1 FROM ${ROWLESS_TABLE} r WHERE r.entity_type = e.entity_type AND r.entity_id = e.entity_id)` : ''}
    ON CONFLICT (${quoteIdent(shape.primaryKey)}) DO NOTHING`;
}

/** Statements by SQL text, prepared once per bulk load. */
export function statementCache(db: Database): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
}
