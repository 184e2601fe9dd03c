// Two devices syncing through the real CLI over S3 and the OS keychain (npm
// test runs this inside a private, unlocked Secret Service): approval by
// fingerprint, and no secret — S3 secret key, private keys, data keys — in any
// output, database file or remote object.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeychainSecretStore } from '../../src/main/engine/secrets/keychain-secret-store';
import { TEMP_ROOT } from '../support/engine-fixtures';
import { S3_TEST_CREDENTIALS } from '../support/s3-server';
import { filesUnder } from '../support/sync-fixtures';
import { createTestBucket } from '../support/test-bucket';

const BIN = resolve(__dirname, '../../bin/tidemark.mjs');
const root = mkdtempSync(join(TEMP_ROOT, 'tidemark-cli-sync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(service: string, args: string[], input?: string): Promise<Run> {
  return new Promise((done, fail) => {
    // No AWS_* variables: the keys must come from the keychain.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, TIDEMARK_KEYCHAIN_SERVICE: service }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

describe('the CLI syncing two devices through S3 with the keychain', () => {
  it('approves by fingerprint, converges, and never shows or stores a secret', { timeout: 180_000 }, async () => {
    const bucket = await createTestBucket();
    const endpoint = bucket.endpoint;
    // Each device has its own keychain (service) and its own database file.
    const devices = ['laptop', 'phone'].map((name) => ({ name, service: `Tidemark-test-${randomBytes(5).toString('hex')}`, db: join(root, `${name}.db`) }));
    const outputs: string[] = [];
    const run = async (device: (typeof devices)[number], args: string[], input?: string) => {
      const result = await cli(device.service, args, input);
      outputs.push(result.stdout, result.stderr);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result;
    };

    for (const device of devices) {
      await run(device, ['init', device.db, '--name', device.name]);
      const { default: Database } = await import('better-sqlite3');
      const raw = new Database(device.db);
      raw.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)');
      if (device.name === 'laptop') raw.exec("INSERT INTO notes VALUES ('n1', 'meet at the harbour at six')");
      raw.close();
      await run(device, ['track', device.db, 'notes']);
      await run(device, ['remote', device.db, `s3://${bucket.bucket}/dataset`, '--endpoint', endpoint, '--path-style', '--encrypt']);
      await run(device, ['credentials', device.db], `${S3_TEST_CREDENTIALS.accessKeyId}\n${S3_TEST_CREDENTIALS.secretAccessKey}\n`);
    }
    const [laptop, phone] = devices as [(typeof devices)[number], (typeof devices)[number]];
    await run(laptop, ['sync', laptop.db]);
    const first = JSON.parse((await run(phone, ['sync', phone.db, '--json'])).stdout) as { pending: string[]; pulled: number };
    expect(first.pending).toHaveLength(1);
    expect(first.pulled).toBe(0);

    // The person compares fingerprints on both screens, then approves on both devices.
    const laptopPrint = JSON.parse((await run(laptop, ['fingerprint', laptop.db, '--json'])).stdout) as { replica: string; fingerprint: string };
    const seenOnPhone = JSON.parse((await run(phone, ['replicas', phone.db, '--json'])).stdout) as Array<{ id: string; fingerprint: string; state: string }>;
    expect(seenOnPhone.find((r) => r.id === laptopPrint.replica)?.fingerprint).toBe(laptopPrint.fingerprint);
    await run(phone, ['trust', phone.db, laptopPrint.replica]);
    const phoneId = seenOnPhone.find((r) => r.state === 'self')!.id;
    await run(phone, ['sync', phone.db]);
    await run(laptop, ['sync', laptop.db]);
    await run(laptop, ['trust', laptop.db, phoneId]);
    await run(laptop, ['sync', laptop.db]);
    await run(phone, ['sync', phone.db]);
    const log = JSON.parse((await run(phone, ['log', phone.db, '--json'])).stdout) as Array<{ new_value: string }>;
    expect(log.map((e) => e.new_value)).toContain('"meet at the harbour at six"');

    // Secrets: the S3 secret key, the private keys and the data keys of both devices.
    const secrets: string[] = [S3_TEST_CREDENTIALS.secretAccessKey];
    for (const device of devices) {
      const store = createKeychainSecretStore(device.service);
      const replica = device === laptop ? laptopPrint.replica : phoneId;
      const keys = JSON.parse((await store.get(`replica/${replica}/private-keys`))!) as { signing: string; agreement: string };
      for (const der of [keys.signing, keys.agreement]) secrets.push(Buffer.from(der, 'base64').subarray(-32).toString('base64'));
      const epochsText = await findDataKeys(store);
      secrets.push(...epochsText);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    const haystacks: Array<[string, Buffer]> = outputs.map((o, i) => [`output ${i}`, Buffer.from(o)]);
    for (const file of filesUnder(root)) haystacks.push([file, readFileSync(file)]);
    const listed = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.bucket }));
    for (const object of listed.Contents ?? []) {
      const body = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: object.Key! }));
      haystacks.push([`s3 ${object.Key}`, Buffer.from(await body.Body!.transformToByteArray())]);
    }
    for (const [where, bytes] of haystacks) {
      for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), `${where} holds a secret`).toBe(false);
      expect(bytes.includes(Buffer.from('meet at the harbour')) && where.startsWith('s3'), `${where} shows a user value`).toBe(false);
    }
  });
});

/** The data keys a device's keychain holds, as stored (base64). */
async function findDataKeys(store: ReturnType<typeof createKeychainSecretStore>): Promise<string[]> {
  const found: string[] = [];
  // The epochs list is per dataset; the dataset id is in either database's metadata.
  const { default: Database } = await import('better-sqlite3');
  for (const name of ['laptop', 'phone']) {
    const db = new Database(join(root, `${name}.db`), { readonly: true });
    const dataset = db.prepare("SELECT value FROM ZV_METADATA WHERE key = 'dataset_uuid'").pluck().get() as string;
    db.close();
    const epochs = JSON.parse((await store.get(`data-key-epochs/${dataset}`)) ?? '[]') as string[];
    for (const epoch of epochs) {
      const key = await store.get(`data-key/${dataset}/${epoch}`);
      if (key) found.push(key);
    }
  }
  return [...new Set(found)];
}
