// History queries: filters by table, entity, author, transaction and time,
// newest first, and cursor paging that returns every change exactly once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { createManualClock, timeOfId } from '../../src/main/engine/hlc';
import type { Change, HistoryEntry, HistoryQuery } from '../../src/shared/types';
import { createWorkspace, readChanges, type Workspace } from '../support/engine-fixtures';

const T0 = Date.UTC(2026, 5, 1, 8);
const SCHEMA = 'CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT); CREATE TABLE tags (name TEXT PRIMARY KEY, color TEXT)';

let ws: Workspace;
let db: TidemarkDatabase;
let other: TidemarkDatabase;
/** The whole log, newest first, as the history should list it. */
let all: Change[];

beforeAll(() => {
  ws = createWorkspace();
  const clock = createManualClock(T0);
  const otherClock = createManualClock(T0 + 500);
  db = ws.open('a.db', { clock });
  other = ws.open('b.db', { clock: otherClock });
  for (const target of [db, other]) {
    target.sqlite.exec(SCHEMA);
    target.track(['notes', 'tags']);
  }
  for (let i = 0; i < 12; i++) {
    clock.set(T0 + i * 1000);
    db.write([
      { op: 'put', table: 'notes', id: `n${i % 4}`, values: { title: `title ${i}`, body: i % 2 ? `body ${i}` : null } },
      { op: 'put', table: 'tags', id: `t${i % 3}`, values: { color: `c${i}` } },
    ]);
    if (i % 5 === 4) db.write([{ op: 'delete', table: 'notes', id: `n${i % 4}` }]);
    otherClock.set(T0 + i * 1000 + 500);
    other.write([{ op: 'put', table: 'notes', id: `n${(i + 1) % 4}`, values: { body: `from b ${i}` } }]);
  }
  const shell = ws.shell('a.db');
  shell.exec("UPDATE tags SET color = 'from the shell' WHERE name = 't0'");
  db.applyChanges(readChanges(other.sqlite));
  db.refresh();
  all = readChanges(db.sqlite).reverse();
});
afterAll(() => ws.cleanup());

function ids(entries: Array<{ id: string }>): string[] {
  return entries.map((e) => e.id);
}

function everyPage(query: HistoryQuery): { entries: HistoryEntry[]; pages: number } {
  const entries: HistoryEntry[] = [];
  let before = query.before;
  let pages = 0;
  for (;;) {
    const page = db.history({ ...query, before });
    pages += 1;
    entries.push(...page.entries);
    if (page.next === null) return { entries, pages };
    expect(page.next).toBe(page.entries[page.entries.length - 1]!.id);
    before = page.next;
    if (pages > 1000) throw new Error('paging does not end');
  }
}

describe('history', () => {
  it('has a realistic log to query: two authors, two tables, deletes, captured writes', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(new Set(all.map((c) => c.author))).toEqual(new Set([db.uuid, other.uuid]));
    expect(all.some((c) => c.attribute === '_deleted' && c.newValue === '1')).toBe(true);
    expect(all.some((c) => c.newValue === '"from the shell"')).toBe(true);
  });

  it('lists changes newest first, with author and the time of their id', () => {
    const { entries } = db.history({ limit: 10_000 });
    expect(ids(entries)).toEqual(ids(all));
    for (let i = 1; i < entries.length; i++) expect(entries[i - 1]!.id > entries[i]!.id).toBe(true);
    for (const entry of entries) {
      const { time, ...change } = entry;
      expect(time).toBe(timeOfId(entry.id));
      expect(change).toEqual(all.find((c) => c.id === entry.id));
    }
  });

  it('filters by table', () => {
    const { entries } = db.history({ table: 'tags', limit: 10_000 });
    expect(ids(entries)).toEqual(ids(all.filter((c) => c.entityType === 'tags')));
    expect(entries.length).toBeGreaterThan(0);
  });

  it('filters by entity', () => {
    const { entries } = db.history({ table: 'notes', entityId: 'n1', limit: 10_000 });
    expect(ids(entries)).toEqual(ids(all.filter((c) => c.entityType === 'notes' && c.entityId === 'n1')));
    expect(new Set(entries.map((e) => e.author)).size).toBe(2);
  });

  it('filters by author', () => {
    const { entries } = db.history({ author: other.uuid, limit: 10_000 });
    expect(ids(entries)).toEqual(ids(all.filter((c) => c.author === other.uuid)));
    expect(entries.length).toBe(readChanges(other.sqlite).length);
  });

  it('filters by transaction', () => {
    const transaction = all[all.length - 5]!.transactionId;
    const { entries } = db.history({ transactionId: transaction, limit: 10_000 });
    expect(ids(entries)).toEqual(ids(all.filter((c) => c.transactionId === transaction)));
    expect(entries.length).toBeGreaterThan(1);
  });

  it('filters by time: since inclusive, until exclusive', () => {
    const since = T0 + 3000;
    const until = T0 + 6000;
    const { entries } = db.history({ since, until, limit: 10_000 });
    const expected = all.filter((c) => timeOfId(c.id)! >= since && timeOfId(c.id)! < until);
    expect(ids(entries)).toEqual(ids(expected));
    expect(new Set(entries.map((e) => e.time))).toEqual(new Set([T0 + 3000, T0 + 3500, T0 + 4000, T0 + 4500, T0 + 5000, T0 + 5500]));
  });

  it('combines filters', () => {
    const { entries } = db.history({ table: 'notes', author: db.uuid, since: T0 + 4000, limit: 10_000 });
    const expected = all.filter((c) => c.entityType === 'notes' && c.author === db.uuid && timeOfId(c.id)! >= T0 + 4000);
    expect(ids(entries)).toEqual(ids(expected));
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each([1, 3, 7, 50])('pages with a cursor (limit %i) through every change exactly once, in order', (limit) => {
    const { entries, pages } = everyPage({ limit });
    expect(ids(entries)).toEqual(ids(all));
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(all.length / limit));
  });

  it('pages through a filtered history exactly once', () => {
    const { entries } = everyPage({ table: 'notes', author: other.uuid, limit: 4 });
    expect(ids(entries)).toEqual(ids(all.filter((c) => c.entityType === 'notes' && c.author === other.uuid)));
  });

  it('keeps paging stable while new changes arrive', () => {
    const first = db.history({ limit: 5 });
    db.write([{ op: 'put', table: 'tags', id: 'late', values: { color: 'new' } }]);
    const rest = everyPage({ before: first.next!, limit: 5 }).entries;
    expect(ids([...first.entries, ...rest])).toEqual(ids(all));
  });

  it('returns an empty last page for no match', () => {
    expect(db.history({ entityId: 'no such entity' })).toEqual({ entries: [], next: null });
  });
});
