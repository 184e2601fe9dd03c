// The same two-device flow through the S3 test server: the S3 form (bucket,
// prefix, endpoint, region, path style, keys), keys into the keychain with
// only "set" coming back, test connection, sync, approval, rows arriving.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, type TestBucket } from '../support/test-bucket';
import { launch, shot } from './support/browser';
import { startDevice, tab, titlesShown, type Device } from './support/devices';

let browser: Browser;
let laptop: Device;
let desk: Device;
let bucket: TestBucket;

beforeAll(async () => {
  bucket = await createTestBucket();
  browser = await launch();
  [laptop, desk] = await Promise.all([
    startDevice(browser, 'Laptop', [['n1', 'Written on the laptop']], 'Notes.db'),
    startDevice(browser, 'Desk', [['n2', 'Written at the desk']], 'Notes.db'),
  ]);
}, 180_000);

afterAll(async () => {
  await laptop?.stop();
  await desk?.stop();
  await browser?.close();
});

async function setS3Remote(page: Page, name: string, keys: { id: string; secret: string }) {
  await tab(page, 'Sync').click();
  await page.getByRole('button', { name: /An S3 bucket/ }).click();
  await page.getByLabel('Bucket', { exact: true }).fill(bucket.bucket);
  await page.getByLabel('Prefix', { exact: true }).fill('tidemark/notes');
  await page.getByLabel('Endpoint', { exact: true }).fill(bucket.endpoint);
  await page.getByLabel('Region', { exact: true }).fill('us-east-1');
  await page.getByLabel(/^Path-style addressing/).check();
  await page.getByLabel('Access key id').fill(keys.id);
  await page.getByLabel('Secret access key').fill(keys.secret);
  await page.getByRole('button', { name: 'Test connection' }).click();
}

async function syncNow(page: Page) {
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect.poll(() => page.locator('.sync-title').textContent(), { timeout: 15_000 }).toMatch(/^Synced/);
}

async function approveOther(page: Page, other: string) {
  await tab(page, 'Devices').click();
  const row = page.locator('.replicas-table tr', { hasText: other });
  await expect.poll(() => row.getByText('Waiting for approval').count(), { timeout: 15_000 }).toBe(1);
  await row.getByRole('button', { name: 'Approve…' }).click();
  await page.getByLabel('Both fingerprints match on both screens').check();
  await page.getByRole('dialog').getByRole('button', { name: 'Approve', exact: true }).click();
  await expect.poll(() => row.getByText('Trusted').count(), { timeout: 15_000 }).toBe(1);
}

describe('two devices syncing through S3', () => {
  it('refuses wrong keys with what to do, then saves the right ones to the keychain', async () => {
    await setS3Remote(laptop.page, 'laptop', { id: 'WRONG', secret: 'not-the-secret' });
    await expect.poll(() => laptop.page.getByRole('dialog').getByRole('alert').textContent()).toMatch(/refused our credentials/);
    await shot(laptop.page, '41-remote-s3-wrong-keys');
    await laptop.page.getByLabel('Access key id').fill('S3RVER');
    await laptop.page.getByLabel('Secret access key').fill('S3RVER');
    await laptop.page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => laptop.page.locator('.test-result').textContent()).toMatch(/Nothing is there yet/);
    await shot(laptop.page, '42-remote-s3');
    await laptop.page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => laptop.page.locator('.remote-url').textContent()).toBe(`s3://${bucket.bucket}/tidemark/notes`);
    expect(await laptop.page.getByText('Keys in the keychain').count()).toBe(1);
    // Only "set" ever came back: the secret is nowhere in the page.
    expect(await laptop.page.content()).not.toContain('not-the-secret');
    await laptop.page.getByRole('button', { name: 'Change…' }).click();
    expect(await laptop.page.getByLabel('Secret access key').inputValue()).toBe('');
    await laptop.page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('is off by default for automatic sync, and syncs on request', async () => {
    expect(await laptop.page.getByLabel(/^After changes on this device/).isChecked()).toBe(false);
    expect(await laptop.page.getByLabel('Sync interval').inputValue()).toBe('');
    await syncNow(laptop.page);
    await expect.poll(() => laptop.page.locator('.sync-stats').textContent()).toMatch(/Pushed[1-9]/);
    await shot(laptop.page, '43-sync-s3-status');
  });

  it('joins from the other device, approves on both, and the rows arrive', async () => {
    await setS3Remote(desk.page, 'desk', { id: 'S3RVER', secret: 'S3RVER' });
    await expect.poll(() => desk.page.locator('.test-result').textContent()).toMatch(/1 other device syncs here/);
    await desk.page.getByRole('button', { name: 'Save', exact: true }).click();
    await syncNow(desk.page);
    await expect.poll(() => tab(desk.page, 'Devices').locator('.tab-badge').textContent()).toBe('1');
    await approveOther(desk.page, 'Laptop');
    await expect.poll(() => titlesShown(desk.page), { timeout: 15_000 }).toEqual(['Written at the desk', 'Written on the laptop']);

    await tab(laptop.page, 'Sync').click();
    await syncNow(laptop.page);
    await approveOther(laptop.page, 'Desk');
    await expect.poll(() => titlesShown(laptop.page), { timeout: 15_000 }).toEqual(['Written at the desk', 'Written on the laptop']);
  });

  it('logged no errors in either page', () => {
    expect(laptop.errors).toEqual([]);
    expect(desk.errors).toEqual([]);
  });
});
