// The app end to end in real Chromium against the real `tidemark serve` and
// engine: create a database, see tables another program creates, track one,
// add rows, edit a cell, filter the history, open a row's timeline, revert
// (with the changed-since warning), remove the database. Screenshots of every
// screen go to test-results/screens/.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot, watchErrors } from './support/browser';
import { serve, type Served } from './support/serve';

let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let dbPath: string;

beforeAll(async () => {
  served = await serve();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  errors = watchErrors(page);
  await page.goto(served.url);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

const grid = () => page.getByRole('listbox', { name: /Rows of/ });
const cell = (row: number, column: number) => grid().locator(`#row-${row} .grid-cell`).nth(column);
const transactions = () => page.getByRole('listbox', { name: 'Transactions, newest first' }).getByRole('option');

describe('Tidemark in a browser', () => {
  it('starts on the welcome screen', async () => {
    await expect.poll(() => page.getByText('Keep your SQLite databases in step').count()).toBe(1);
    await shot(page, '01-welcome');
  });

  it('creates a database', async () => {
    await page.getByRole('button', { name: 'New database' }).first().click();
    await page.getByLabel('Database name').fill('Recipes');
    await shot(page, '02-new-database');
    await page.getByRole('button', { name: 'Create database' }).click();
    await expect.poll(() => page.locator('.database-item').filter({ hasText: 'Recipes' }).count()).toBe(1);
    await expect.poll(() => page.getByText('No tables yet').count()).toBe(1);
    dbPath = join(served.dataDir, 'databases', 'Recipes.db');
    expect(existsSync(dbPath)).toBe(true);
    await shot(page, '03-tables-empty');
  });

  it('shows tables another program creates, with the reason one cannot be tracked, and tracks one', async () => {
    const other = new BetterSqlite3(dbPath);
    other.exec(`
      CREATE TABLE recipes (id TEXT PRIMARY KEY, title TEXT NOT NULL, minutes INTEGER, notes TEXT);
      CREATE TABLE visits (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT);
    `);
    other.close();
    // No reload: the app notices the file changed and the list updates itself.
    await expect.poll(() => page.locator('.table-name').allTextContents(), { timeout: 10_000 }).toEqual(['recipes', 'visits']);
    await expect.poll(() => page.getByText("Can't be tracked").count()).toBe(1);
    expect(await page.locator('tr', { hasText: 'visits' }).textContent()).toMatch(/INTEGER PRIMARY KEY that SQLite numbers automatically/);
    await page.getByLabel('Track recipes').check();
    await page.getByRole('button', { name: 'Track 1 table' }).click();
    await expect.poll(() => page.locator('tr', { hasText: 'recipes' }).getByText('Tracked').count()).toBe(1);
    await shot(page, '04-tables');
  });

  it('adds rows in the data screen', async () => {
    await page.getByRole('tab', { name: 'Data' }).click();
    await expect.poll(() => page.getByText('No rows yet').count()).toBe(1);
    await shot(page, '05-data-empty');
    for (const [title, minutes] of [
      ['Pancakes', '20'],
      ['Tomato soup', '45'],
      ['Green salad', '10'],
    ]) {
      await page.getByRole('button', { name: 'Add row' }).first().click();
      await page.getByLabel('title', { exact: true }).fill(title!);
      await page.getByLabel('minutes', { exact: true }).fill(minutes!);
      if (title === 'Pancakes') await shot(page, '06-add-row');
      await page.getByRole('button', { name: 'Add row' }).last().click();
      await expect.poll(() => grid().getByText(title!).count()).toBe(1);
    }
    await expect.poll(() => page.locator('.toolbar-title').textContent()).toContain('3 rows');
  });

  it('edits a cell with the keyboard', async () => {
    const pancakes = await grid().locator('.vrow', { hasText: 'Pancakes' }).getAttribute('id');
    const row = Number(pancakes!.replace('row-', ''));
    await cell(row, 2).dblclick();
    const editor = page.getByLabel('Edit minutes');
    await editor.fill('25');
    await editor.press('Enter');
    await expect.poll(() => cell(row, 2).textContent()).toBe('25');
    // Arrow keys move the active cell; Enter edits it.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.getByLabel('Edit title').fill('Fluffy pancakes');
    await page.keyboard.press('Enter');
    await expect.poll(() => cell(row, 1).textContent()).toBe('Fluffy pancakes');
    await shot(page, '07-data');
  });

  it('filters the history', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    // track (0 rows), 3 additions, 2 edits
    await expect.poll(() => transactions().count()).toBe(5);
    expect(await transactions().first().textContent()).toMatch(/^Edited .*title/);
    await page.getByLabel('Search the history').fill('soup');
    await expect.poll(() => transactions().count()).toBe(1);
    expect(await transactions().first().textContent()).toMatch(/Added/);
    await shot(page, '08-history-filtered');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => transactions().count()).toBe(5);
    await page.getByLabel('Table').selectOption('recipes');
    await page.getByLabel('Author').selectOption({ label: 'This device' });
    await expect.poll(() => transactions().count()).toBe(5);
    const now = new Date();
    const inAMinute = new Date(now.getTime() + 60 * 60_000);
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByLabel('From time').fill(local(inAMinute));
    await expect.poll(() => page.getByText('No transactions match').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => transactions().count()).toBe(5);
  });

  it('moves through transactions with the keyboard and shows old → new values', async () => {
    await transactions().first().click();
    await page.keyboard.press('ArrowDown'); // the minutes edit
    await expect.poll(() => page.locator('.detail-header h2').textContent()).toMatch(/^Edited/);
    const row = page.locator('.change-row', { hasText: 'minutes' });
    await expect.poll(() => row.locator('.old').textContent()).toBe('20');
    expect(await row.locator('.new').textContent()).toBe('25');
    await shot(page, '09-history-detail');
  });

  it('opens an entity timeline', async () => {
    await page.getByRole('button', { name: 'Timeline' }).first().click();
    await expect.poll(() => page.locator('.timeline-item').count()).toBe(3);
    expect(await page.locator('.current-values').textContent()).toContain('Fluffy pancakes');
    await shot(page, '10-timeline');
    await page.getByRole('button', { name: 'Back to the transaction' }).click();
  });

  it('reverts a transaction, warning when a value changed since', async () => {
    // Change minutes again, then revert the earlier 20 → 25 edit.
    await page.getByRole('tab', { name: 'Data' }).click();
    const id = await grid().locator('.vrow', { hasText: 'Fluffy pancakes' }).getAttribute('id');
    const row = Number(id!.replace('row-', ''));
    await cell(row, 2).dblclick();
    await page.getByLabel('Edit minutes').fill('30');
    await page.keyboard.press('Enter');
    await expect.poll(() => cell(row, 2).textContent()).toBe('30');

    await page.getByRole('tab', { name: 'History' }).click();
    await expect.poll(() => transactions().count()).toBe(6);
    await transactions().nth(2).click(); // newest first: 30, title, 25
    await expect.poll(() => page.locator('.change-row', { hasText: 'minutes' }).locator('.new').textContent()).toBe('25');
    await page.getByRole('button', { name: 'Revert…' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'changed after this transaction' }).count()).toBe(1);
    await shot(page, '11-revert-warning');
    await page.getByRole('button', { name: /Revert and overwrite 1 later edit/ }).click();
    await expect.poll(() => transactions().count()).toBe(7);
    await page.getByRole('tab', { name: 'Data' }).click();
    await expect.poll(() => cell(row, 2).textContent()).toBe('20');
  });

  it('reverts an addition without a warning', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByLabel('Search the history').fill('salad');
    await expect.poll(() => transactions().count()).toBe(1);
    await transactions().first().click();
    await page.getByRole('button', { name: 'Revert…' }).click();
    await expect.poll(() => page.locator('.revert-table').textContent()).toContain('delete the row');
    await page.getByRole('button', { name: 'Revert', exact: true }).click();
    await expect.poll(() => page.locator('.dialog').count()).toBe(0);
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('tab', { name: 'Data' }).click();
    await expect.poll(() => grid().getByText('Green salad').count()).toBe(0);
  });

  it('offers a folder or an S3 bucket on the sync screen', async () => {
    await page.getByRole('tab', { name: 'Sync' }).click();
    await expect.poll(() => page.getByText('Sync Recipes across your devices').count()).toBe(1);
    await shot(page, '12-sync');
  });

  it('follows the OS into dark mode', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('tab', { name: 'History' }).click();
    await expect.poll(() => transactions().count()).toBe(8);
    await transactions().nth(1).click();
    await shot(page, '13-history-dark');
    await page.getByRole('tab', { name: 'Data' }).click();
    await shot(page, '14-data-dark');
    await page.getByRole('tab', { name: 'Tables' }).click();
    await shot(page, '15-tables-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('removes the database from the app without deleting the file', async () => {
    await page.getByRole('tab', { name: 'Tables' }).click();
    await page.getByRole('button', { name: 'Remove from Tidemark…' }).click();
    await shot(page, '16-remove');
    await page.getByRole('button', { name: 'Remove from Tidemark', exact: true }).click();
    await expect.poll(() => page.getByText('Keep your SQLite databases in step').count()).toBe(1);
    expect(existsSync(dbPath)).toBe(true);
  });

  it('reopens (adopts) the file, after saying what it is', async () => {
    await page.getByRole('button', { name: 'Open a file…' }).click();
    await page.getByLabel('Database path').fill(dbPath);
    await expect.poll(() => page.locator('.inspection').textContent()).toContain('A Tidemark database with 2 tables');
    await shot(page, '17-open');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(() => page.locator('.database-item').count()).toBe(1);
  });

  it('logged no errors in the page (CSP included)', () => {
    expect(errors).toEqual([]);
  });
});
