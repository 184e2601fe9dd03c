// Two devices in real Chromium, each against its own real `tidemark serve`,
// syncing through one folder: set the remote, sync, see the other device
// waiting with a badge, compare fingerprints side by side and approve on both,
// see the rows arrive; then a concurrent edit settled from the inbox, and a
// snapshot. Screenshots go to test-results/screens/.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot } from './support/browser';
import { startDevice, tab, titlesShown, type Device } from './support/devices';

let browser: Browser;
let laptop: Device;
let desk: Device;
let folder: string;

beforeAll(async () => {
  folder = join(mkdtempSync(join(tmpdir(), 'tidemark-e2e-shared-')), 'Recipes sync');
  browser = await launch();
  [laptop, desk] = await Promise.all([
    startDevice(browser, 'Laptop', [['r1', 'Pancakes']]),
    startDevice(browser, 'Desk', [['r2', 'Tomato soup']]),
  ]);
}, 180_000);

afterAll(async () => {
  await laptop?.stop();
  await desk?.stop();
  await browser?.close();
  rmSync(join(folder, '..'), { recursive: true, force: true });
});

async function setFolderRemote(page: Page, name: string) {
  await tab(page, 'Sync').click();
  await page.getByRole('button', { name: /A folder/ }).click();
  await page.getByLabel('Folder path').fill(folder);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect.poll(() => page.locator('.test-result').textContent()).toMatch(name === 'laptop' ? /does not exist yet/ : /1 other device syncs here/);
  await shot(page, `30-remote-folder-${name}`);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect.poll(() => page.locator('.remote-url').textContent()).toBe(folder);
}

async function syncNow(page: Page) {
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect.poll(() => page.locator('.sync-title').textContent(), { timeout: 15_000 }).toMatch(/^Synced/);
}

/** The fingerprint a device shows for itself on its Devices tab. */
async function ownFingerprint(page: Page): Promise<string> {
  await tab(page, 'Devices').click();
  const print = page.getByLabel("This device's fingerprint");
  await expect.poll(() => print.textContent()).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
  return (await print.textContent())!;
}

async function approve(page: Page, other: string, expected: { self: string; other: string }, screenshot?: string) {
  await tab(page, 'Devices').click();
  const row = page.locator('.replicas-table tr', { hasText: other });
  await expect.poll(() => row.getByText('Waiting for approval').count(), { timeout: 15_000 }).toBe(1);
  await row.getByRole('button', { name: 'Approve…' }).click();
  const dialog = page.getByRole('dialog');
  // Side by side: this device's fingerprint and the other's, as the other device shows them.
  expect(await dialog.locator('.fingerprint').allTextContents()).toEqual([expected.self, expected.other]);
  const confirm = dialog.getByRole('button', { name: 'Approve', exact: true });
  expect(await confirm.isDisabled()).toBe(true); // not before the person says they match
  await dialog.getByLabel('Both fingerprints match on both screens').check();
  if (screenshot) await shot(page, screenshot);
  await confirm.click();
  await expect.poll(() => row.getByText('Trusted').count(), { timeout: 15_000 }).toBe(1);
}

describe('two devices syncing through a folder', () => {
  it('offers a folder or an S3 bucket when there is no remote yet', async () => {
    await tab(laptop.page, 'Sync').click();
    await expect.poll(() => laptop.page.getByText('Sync Recipes across your devices').count()).toBe(1);
    await shot(laptop.page, '29-sync-choose');
  });

  it('sets the same folder on both and syncs; the other device then waits for approval, with a badge', async () => {
    await setFolderRemote(laptop.page, 'laptop');
    await syncNow(laptop.page);
    await shot(laptop.page, '31-sync-status');

    await setFolderRemote(desk.page, 'desk');
    await syncNow(desk.page);
    const badge = tab(desk.page, 'Devices').locator('.tab-badge');
    await expect.poll(() => badge.textContent()).toBe('1');
    await expect.poll(() => desk.page.locator('.sidebar-badge').textContent()).toBe('1');
    await expect.poll(() => desk.page.locator('.pending-banner').count()).toBe(1);
    await expect.poll(() => desk.page.locator('.sync-note.attention').count()).toBe(1);
    await shot(desk.page, '32-sync-pending');
    expect(await titlesShown(desk.page)).toEqual(['Tomato soup']); // nothing of the laptop's yet
  });

  it('approves after comparing fingerprints on both screens, and the rows arrive on both', async () => {
    const laptopPrint = await ownFingerprint(laptop.page);
    const deskPrint = await ownFingerprint(desk.page);
    expect(laptopPrint).not.toBe(deskPrint);
    await shot(desk.page, '33-devices-pending');

    await approve(desk.page, 'Laptop', { self: deskPrint, other: laptopPrint }, '34-approve-dialog');
    await expect.poll(() => titlesShown(desk.page), { timeout: 15_000 }).toEqual(['Pancakes', 'Tomato soup']);
    expect(await desk.page.locator('.pending-banner').count()).toBe(0);
    expect(await tab(desk.page, 'Devices').locator('.tab-badge').count()).toBe(0);

    // The laptop learns of the desk by syncing (or by itself, watching the folder).
    await tab(laptop.page, 'Sync').click();
    await syncNow(laptop.page);
    await approve(laptop.page, 'Desk', { self: laptopPrint, other: deskPrint });
    await expect.poll(() => titlesShown(laptop.page), { timeout: 15_000 }).toEqual(['Pancakes', 'Tomato soup']);
    await tab(laptop.page, 'Devices').click();
    await shot(laptop.page, '35-devices-trusted');
  });

  it('turns automatic sync off on both, so two edits can cross', async () => {
    for (const page of [laptop.page, desk.page]) {
      await tab(page, 'Sync').click();
      await page.getByLabel(/^After changes on this device/).uncheck();
      await page.getByLabel('Sync interval').selectOption({ label: 'Never' });
      await expect.poll(() => page.locator('.panel-sub', { hasText: 'As you chose' }).count()).toBe(1);
    }
    await shot(laptop.page, '36-sync-settings');
  });

  it('shows a concurrent edit in the inbox and settles it there', async () => {
    await editTitle(laptop.page, 'Pancakes', 'Fluffy pancakes');
    await editTitle(desk.page, 'Pancakes', 'Pancakes with syrup');
    for (const page of [laptop.page, desk.page]) {
      await tab(page, 'Sync').click();
      await syncNow(page);
    }
    const badge = tab(desk.page, 'Conflicts').locator('.tab-badge');
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe('1');
    await tab(desk.page, 'Conflicts').click();
    const card = desk.page.locator('.conflict-card');
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.locator('.conflict-value').allTextContents()).toEqual(['Pancakes with syrup', 'Fluffy pancakes']);
    await shot(desk.page, '37-conflicts');
    // Keep the laptop's value, although the merge kept the desk's newer one.
    const theirs = card.locator('.conflict-side', { hasText: 'Fluffy pancakes' });
    await theirs.getByRole('button', { name: 'Keep this' }).click();
    await expect.poll(() => desk.page.getByText('Nothing to settle').count()).toBe(1);
    expect(await badge.count()).toBe(0);
    expect(await titlesShown(desk.page)).toEqual(['Fluffy pancakes', 'Tomato soup']);
  });

  it('publishes a snapshot and reports the remote’s size', async () => {
    await tab(desk.page, 'Sync').click();
    await desk.page.getByRole('button', { name: 'Publish snapshot' }).click();
    await expect.poll(() => desk.page.locator('.storage-row').first().textContent(), { timeout: 15_000 }).toMatch(/Published just now/);
    await desk.page.getByRole('button', { name: 'Check size' }).click();
    await expect.poll(() => desk.page.locator('.storage-row').nth(1).textContent()).toMatch(/in \d+ files/);
    await expect.poll(() => desk.page.locator('.storage-row').nth(2).textContent()).toMatch(/younger than a week/);
    await shot(desk.page, '38-sync-storage');
  });

  it('looks right in dark mode', async () => {
    await desk.page.emulateMedia({ colorScheme: 'dark' });
    await shot(desk.page, '39-sync-dark');
    await tab(desk.page, 'Devices').click();
    await shot(desk.page, '40-devices-dark');
    await desk.page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no errors in either page (CSP included)', () => {
    expect(laptop.errors).toEqual([]);
    expect(desk.errors).toEqual([]);
  });
});

async function editTitle(page: Page, from: string, to: string) {
  await tab(page, 'Data').click();
  const row = page.getByRole('listbox', { name: /Rows of/ }).locator('.vrow', { hasText: from });
  await row.locator('.grid-cell').nth(1).dblclick();
  await page.getByLabel('Edit title').fill(to);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.getByRole('listbox', { name: /Rows of/ }).getByText(to).count()).toBe(1);
}
