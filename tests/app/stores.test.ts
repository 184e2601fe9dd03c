// The renderer's zustand stores over the real gate and engine, fed by the
// same pushed events the window gets: no mocks, no polling.

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseSummary } from '../../src/shared/app-types';
import { createStores, type Stores } from '../../src/renderer/src/stores';
import { coalesce } from '../../src/renderer/src/stores/coalesce';
import { cleanFilter, createHistoryStore } from '../../src/renderer/src/stores/history-store';
import { createUiStore } from '../../src/renderer/src/stores/ui-store';
import { createTestApp, writeNotesFile, type TestApp } from './app-fixture';

let app: TestApp;
let stores: Stores;

beforeEach(() => {
  app = createTestApp();
  stores = createStores(app.api);
});
afterEach(() => {
  stores.dispose();
  app.cleanup();
});

/** Lets pending promise chains (store reactions to events) run. */
async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function openNotes(): Promise<DatabaseSummary> {
  await stores.databases.getState().load();
  const db = await stores.databases.getState().open(writeNotesFile(app));
  stores.ui.getState().selectDatabase(db.id);
  await settle();
  return db;
}

describe('databases store', () => {
  it('loads, creates, follows the pushed list, and selects the first database', async () => {
    await stores.databases.getState().load();
    expect(stores.databases.getState()).toMatchObject({ loaded: true, databases: [], error: null });
    expect(stores.databases.getState().info?.host).toBe('browser');

    const created = await stores.databases.getState().create(join(app.dir, 'one.db'));
    await settle();
    expect(stores.databases.getState().databases.map((d) => d.id)).toEqual([created.id]);
    expect(stores.ui.getState().databaseId).toBe(created.id); // nothing chosen: the first is shown

    // A change made elsewhere (another window, the service itself) arrives by event.
    app.service.createDatabase(join(app.dir, 'two.db'));
    await settle();
    expect(stores.databases.getState().databases).toHaveLength(2);

    await stores.databases.getState().remove(created.id);
    await settle();
    expect(stores.databases.getState().databases).toHaveLength(1);
    expect(stores.ui.getState().databaseId).toBe(stores.databases.getState().databases[0]!.id);
  });

  it('rejects with the typed error when a call fails', async () => {
    await expect(stores.databases.getState().open(join(app.dir, 'missing.db'))).rejects.toMatchObject({ detail: { kind: 'database-missing' } });
  });
});

describe('tables and rows stores', () => {
  it('follow the selected database and reload on commits', async () => {
    const db = await openNotes();
    expect(stores.tables.getState().tables.map((t) => t.name)).toEqual(['log', 'notes']);
    await stores.tables.getState().track(['notes']);
    expect(stores.tables.getState().tables.find((t) => t.name === 'notes')?.tracked).toBe(true);

    stores.ui.getState().selectTable(db.id, 'notes');
    await settle();
    expect(stores.rows.getState()).toMatchObject({ table: 'notes', editable: true, total: 2 });

    await stores.rows.getState().put('c', { title: 'Gamma' });
    expect(stores.rows.getState().rows.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    await stores.rows.getState().put('a', { title: 'Alpha 2' });
    expect(stores.rows.getState().rows[0]!.cells[1]).toBe('"Alpha 2"');
    await stores.rows.getState().remove(['b']);
    expect(stores.rows.getState().rows.map((r) => r.id)).toEqual(['a', 'c']);

    // A write by the app service (as sync would make) reaches the grid through the commit event.
    app.service.database(db.id).write([{ op: 'put', table: 'notes', id: 'd', values: { title: 'Delta' } }]);
    await settle();
    expect(stores.rows.getState().rows.map((r) => r.id)).toEqual(['a', 'c', 'd']);
    expect(stores.tables.getState().tables.find((t) => t.name === 'notes')?.rows).toBe(3);
  });

  it('pages rows as the grid scrolls', async () => {
    const db = await openNotes();
    await stores.tables.getState().track(['notes']);
    const engine = app.service.database(db.id);
    engine.write(Array.from({ length: 450 }, (_, i) => ({ op: 'put' as const, table: 'notes', id: `r${String(i).padStart(4, '0')}`, values: { title: `Row ${i}` } })));
    stores.ui.getState().selectTable(db.id, 'notes');
    await settle();
    expect(stores.rows.getState().rows).toHaveLength(200);
    await stores.rows.getState().loadMore();
    await stores.rows.getState().loadMore();
    expect(stores.rows.getState().rows).toHaveLength(452);
    expect(stores.rows.getState().next).toBeNull();
  });
});

describe('history store', () => {
  async function seeded() {
    const db = await openNotes();
    await stores.tables.getState().track(['notes']);
    stores.ui.getState().selectTable(db.id, 'notes');
    await settle();
    await stores.rows.getState().put('a', { title: 'Alpha two' });
    await stores.rows.getState().put('c', { title: 'Gamma', body: 'needle' });
    await settle();
    return db;
  }

  it('loads newest first and prepends new commits from the pushed event', async () => {
    await seeded();
    const history = stores.history.getState();
    expect(history.transactions.map((t) => t.changes)).toEqual([3, 1, 6]);
    await stores.rows.getState().remove(['b']);
    await settle();
    expect(stores.history.getState().transactions.map((t) => t.deleted)).toEqual([1, 0, 0, 0]);
  });

  it('filters, selects a transaction and opens an entity timeline', async () => {
    await seeded();
    await stores.history.getState().setFilter({ text: 'needle', table: '', author: undefined });
    expect(stores.history.getState().filter).toEqual({ text: 'needle' });
    expect(stores.history.getState().transactions).toHaveLength(1);
    const id = stores.history.getState().transactions[0]!.id;
    await stores.history.getState().select(id);
    expect(stores.history.getState().detail?.changes.map((c) => c.attribute).sort()).toEqual(['body', 'stars', 'title']);
    await stores.history.getState().openTimeline('notes', 'c');
    expect(stores.history.getState().timeline?.data?.exists).toBe(true);
    // A commit to the row refreshes its open timeline.
    await stores.rows.getState().put('c', { title: 'Gamma two' });
    await settle();
    expect(stores.history.getState().timeline?.data?.entries).toHaveLength(4);
    await stores.history.getState().setFilter({});
    expect(stores.history.getState().transactions).toHaveLength(4);
  });

  it('plans and confirms a revert, warning about values changed since', async () => {
    await seeded();
    const edit = stores.history.getState().transactions[1]!.id; // "Alpha two"
    await stores.rows.getState().put('a', { title: 'Alpha three' });
    await stores.history.getState().planRevert(edit);
    expect(stores.history.getState().revert?.plan?.changedSince).toBe(1);
    const result = await stores.history.getState().confirmRevert();
    expect(result?.changes).toBe(1);
    expect(stores.history.getState().revert).toBeNull();
    await settle();
    expect(stores.rows.getState().rows[0]!.cells[1]).toBe('"Alpha"');
  });

  it('keeps asking while a filtered search is only partway through the log', async () => {
    const db = await seeded();
    const real = (await app.api.history.transactions({ databaseId: db.id, filter: { text: 'needle' } })).transactions;
    // Main answers a rare filter in bounded slices: two empty partial pages, then the match.
    const pages = [
      { transactions: [], next: '01900000-0000-7000-8000-000000000009', searchedTo: 2_000 },
      { transactions: [], next: '01900000-0000-7000-8000-000000000005', searchedTo: 1_000 },
      { transactions: real, next: null, searchedTo: null },
    ];
    const asked: (string | undefined)[] = [];
    const api = { ...app.api, history: { ...app.api.history, transactions: async (input: { before?: string }) => (asked.push(input.before), pages.shift()!) } };
    const history = createHistoryStore(api as typeof app.api);
    await history.getState().open(db.id);
    expect(history.getState().transactions).toHaveLength(1);
    expect(history.getState()).toMatchObject({ searchedTo: null, loading: false, next: null });
    expect(asked).toEqual([undefined, '01900000-0000-7000-8000-000000000009', '01900000-0000-7000-8000-000000000005']);
  });
});

describe('small pieces', () => {
  it('coalesces a burst of refreshes into one follow-up', async () => {
    let runs = 0;
    let release!: () => void;
    const refresh = coalesce(async () => {
      runs += 1;
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = refresh();
    void refresh();
    void refresh();
    release();
    await first;
    expect(runs).toBe(2);
  });

  it('cleans filters and remembers the chosen database and tab', () => {
    expect(cleanFilter({ table: '', text: undefined, author: 'x' })).toEqual({ author: 'x' });
    const saved = new Map<string, string>();
    const storage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    const ui = createUiStore(storage);
    ui.getState().selectDatabase('db_abc123');
    ui.getState().setTab('history');
    expect(createUiStore(storage).getState()).toMatchObject({ databaseId: 'db_abc123', tab: 'history' });
    expect(createUiStore({ getItem: () => '{broken', setItem: () => {} }).getState().tab).toBe('tables');
  });
});
