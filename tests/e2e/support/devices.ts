// Two "devices" for the sync tests: each its own `tidemark serve` (own data
// folder, own keychain service in the run's private keyring) and its own
// browser page, with a Recipes database whose `recipes` table is tracked.

import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openDatabase } from '../../../src/main/engine/database';
import { watchErrors } from './browser';
import { serve, type Served } from './serve';

export interface Device {
  name: string;
  served: Served;
  page: Page;
  dbPath: string;
  errors: string[];
  stop(): Promise<void>;
}

export async function startDevice(browser: Browser, name: string, rows: Array<[string, string]>, file = 'Recipes.db'): Promise<Device> {
  const dir = mkdtempSync(join(tmpdir(), `tidemark-e2e-${name.toLowerCase()}-`));
  const dbPath = join(dir, file);
  const db = openDatabase(dbPath, { create: true, name });
  try {
    db.sqlite.exec('CREATE TABLE recipes (id TEXT PRIMARY KEY, title TEXT, minutes INTEGER)');
    db.track(['recipes']);
    if (rows.length) db.write(rows.map(([id, title]) => ({ op: 'put' as const, table: 'recipes', id, values: { title } })));
  } finally {
    db.close();
  }
  const served = await serve({
    open: dbPath,
    dataDir: join(dir, 'data'),
    // Its own keychain: private keys and trusted keys of this "device" only.
    env: { TIDEMARK_KEYCHAIN_SERVICE: `Tidemark e2e ${name} ${randomBytes(4).toString('hex')}` },
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const errors = watchErrors(page);
  await page.goto(served.url);
  await page.locator('.database-item').first().waitFor();
  return { name, served, page, dbPath, errors, stop: async () => (await page.close(), await served.stop()) };
}

export const tab = (page: Page, name: string) => page.getByRole('tab', { name: new RegExp(`^${name}`) });

/** The Data grid's titles of the recipes table, as shown. */
export async function titlesShown(page: Page): Promise<string[]> {
  await tab(page, 'Data').click();
  const cells = page.getByRole('listbox', { name: /Rows of/ }).locator('.vrow .grid-cell:nth-child(2)');
  return (await cells.allTextContents()).sort();
}
