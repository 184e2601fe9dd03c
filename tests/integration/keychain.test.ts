// The OS keychain through keytar, against a real Secret Service (npm test
// starts a private, unlocked gnome-keyring on Linux). Each test uses its own
// service name so nothing lands in, or is read from, anyone's own keychain.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeychainSecretStore } from '../../src/main/engine/secrets/keychain-secret-store';
import { loadOrCreateKeys, privateKeyAccount } from '../../src/main/engine/trust/keys';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpTable, introduce, keychainOf, onDevice, sync, filesUnder } from '../support/sync-fixtures';

const service = () => `Tidemark-test-${randomBytes(6).toString('hex')}`;

describe('keychain secret store (real Secret Service)', () => {
  let workspace: Workspace;
  beforeEach(() => (workspace = createWorkspace()));
  afterEach(() => workspace.cleanup());

  it('stores, reads and deletes a secret', async () => {
    const store = createKeychainSecretStore(service());
    expect(await store.get('account')).toBeNull();
    await store.set('account', 'value-1');
    expect(await store.get('account')).toBe('value-1');
    await store.set('account', 'value-2');
    expect(await store.get('account')).toBe('value-2');
    expect(await store.delete('account')).toBe(true);
    expect(await store.get('account')).toBeNull();
  });

  it('keeps a replica\'s private keys across loads', async () => {
    const name = service();
    const first = await loadOrCreateKeys(createKeychainSecretStore(name), 'replica-x');
    const second = await loadOrCreateKeys(createKeychainSecretStore(name), 'replica-x'); // a later run of the app
    expect(second.public).toEqual(first.public);
  });

  it('two devices with their own keychains sync, and no private key reaches the database files or the remote', async () => {
    const shared = await createSharedRemote('folder');
    const a = onDevice(createReplica(workspace, 'a'), createKeychainSecretStore(service()));
    const b = onDevice(createReplica(workspace, 'b'), createKeychainSecretStore(service()));
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    a.write([{ op: 'put', table: 'notes', id: 'n1', values: { title: 'hello' } }]);
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    expect(dumpTable(b)).toEqual(dumpTable(a));

    const secretsOf = async (db: typeof a) => {
      const stored = await keychainOf(db).get(privateKeyAccount(db.uuid));
      const { signing, agreement } = JSON.parse(stored!) as { signing: string; agreement: string };
      // The raw 32-byte private keys are the last bytes of their PKCS#8 encodings.
      return [signing, agreement].flatMap((der) => {
        const raw = Buffer.from(der, 'base64').subarray(-32);
        return [raw, Buffer.from(raw.toString('base64')), Buffer.from(raw.toString('hex')), Buffer.from(der)];
      });
    };
    const needles = [...(await secretsOf(a)), ...(await secretsOf(b))];
    a.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    b.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const files = [...filesUnder(workspace.dir), ...filesUnder(shared.root!)];
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) expect(bytes.includes(needle), `${file} holds a private key`).toBe(false);
    }
  });
});

