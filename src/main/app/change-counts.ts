// Changes per table for the Tables screen, cheap on every commit. Counting a
// million-change log takes a noticeable moment, and the list reloads whenever
// something commits; the log only grows (DESIGN.md 2) and new rows get higher
// rowids, so after one full count only the rows added since are counted.

import type { Database } from 'better-sqlite3';

interface Cache {
  rowid: number;
  counts: Map<string, number>;
}

const caches = new WeakMap<Database, Cache>();

export function changesPerTable(sqlite: Database): ReadonlyMap<string, number> {
  const max = (sqlite.prepare('SELECT max(rowid) FROM ZV_CHANGE').pluck().get() as number | null) ?? 0;
  let cache = caches.get(sqlite);
  if (!cache || max < cache.rowid) {
    // First time, or the log shrank (a replaced file): count it all once.
    const rows = sqlite.prepare('SELECT entity_type AS t, count(*) AS n FROM ZV_CHANGE GROUP BY entity_type').all() as Array<{ t: string; n: number }>;
    cache = { rowid: max, counts: new Map(rows.map((r) => [r.t, r.n])) };
    caches.set(sqlite, cache);
    return cache.counts;
  }
  if (max > cache.rowid) {
    // NOT INDEXED: walk the rowid range, not an index over the whole log.
    const rows = sqlite
      .prepare('SELECT entity_type AS t, count(*) AS n FROM ZV_CHANGE NOT INDEXED WHERE rowid > ? GROUP BY entity_type')
      .all(cache.rowid) as Array<{ t: string; n: number }>;
    for (const r of rows) cache.counts.set(r.t, (cache.counts.get(r.t) ?? 0) + r.n);
    cache.rowid = max;
  }
  return cache.counts;
}
