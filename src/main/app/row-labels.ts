// A row's human name for the history ("Edited Fluffy pancakes", not a UUID):
// the latest value of its title-like column, read from the change log so
// deleted rows and rows of tables missing here keep their names too.

import type { TidemarkDatabase } from '../engine/database';
import { quoteIdent } from '../engine/tables';

const NAME_LIKE = /^(title|name|label|subject|summary|display_?name|heading|caption)$/i;
const MAX_LABEL = 80;

export type Labeler = (table: string, entityId: string) => string | null;

/** Labels for one request; the label column of each table is looked up once. */
export function createLabeler(db: TidemarkDatabase): Labeler {
  const columns = new Map<string, string | null>();
  const columnOf = (table: string) => {
    if (!columns.has(table)) columns.set(table, labelColumn(db, table));
    return columns.get(table)!;
  };
  return (table, entityId) => {
    const column = columnOf(table);
    if (!column) return null;
    const json = db.log.latest(table, entityId, column);
    if (json === undefined || json === null || json === 'null') return null;
    let text = json;
    if (json.startsWith('"')) {
      try {
        text = JSON.parse(json) as string;
      } catch {
        // keep the raw JSON text
      }
    } else if (json.startsWith('{')) return null; // a blob is no name
    text = text.replace(/\s+/g, ' ').trim();
    if (!text) return null;
    return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
  };
}

function labelColumn(db: TidemarkDatabase, table: string): string | null {
  let info: Array<{ name: string; type: string; pk: number; hidden: number }>;
  try {
    info = db.sqlite.prepare(`PRAGMA table_xinfo(${quoteIdent(table)})`).all() as typeof info;
  } catch {
    return null;
  }
  const candidates = info.filter((c) => c.pk === 0 && c.hidden === 0);
  return (candidates.find((c) => NAME_LIKE.test(c.name)) ?? candidates.find((c) => /CHAR|TEXT|CLOB/i.test(c.type)))?.name ?? null;
}
