// End-to-end encryption: with it on, no user value appears in any remote file,
// sync still converges, an unapproved device sees nothing, and a revoked one
// cannot read what is written after its revocation.

import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { dataKeyAccount, heldEpochs } from '../../src/main/engine/crypto/data-keys';
import { decide } from '../../src/main/engine/trust/trust';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpLog, dumpTable, introduce, keychainOf, sync, type SharedRemote, filesUnder } from '../support/sync-fixtures';


describe('end-to-end encryption', () => {
  let workspace: Workspace;
  let shared: SharedRemote;
  beforeEach(async () => {
    workspace = createWorkspace();
    shared = await createSharedRemote('folder');
  });
  afterEach(() => workspace.cleanup());

  const devices = (...dbs: TidemarkDatabase[]) => dbs.map((db) => ({ db, remote: shared.connect() }));

  it('three replicas converge and no user value reaches the remote', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => createReplica(workspace, name)) as [TidemarkDatabase, TidemarkDatabase, TidemarkDatabase];
    await sync(a, shared.connect(), { encrypt: true }); // a founds an encrypted dataset
    await introduce(devices(a, b, c));
    for (let round = 0; round < 2; round++) for (const db of [a, b, c]) await sync(db, shared.connect());

    const values = ['Tax return 2026 summary', 'pin code 4921', 'diary: saw the northern lights', 'quarterly-plan'];
    a.write([{ op: 'put', table: 'notes', id: 'quarterly-plan', values: { title: values[0], body: values[1] } }]);
    b.write([{ op: 'put', table: 'notes', id: 'n2', values: { title: values[2], data: new Uint8Array(Buffer.from('BLOBSECRET')) } }]);
    for (let round = 0; round < 2; round++) for (const db of [a, b, c]) await sync(db, shared.connect());
    c.write([{ op: 'put', table: 'notes', id: 'quarterly-plan', values: { body: 'edited on c' } }]);
    for (let round = 0; round < 2; round++) for (const db of [a, b, c]) await sync(db, shared.connect());

    expect(dumpTable(a)).toEqual(dumpTable(b));
    expect(dumpTable(b)).toEqual(dumpTable(c));
    expect(dumpLog(a)).toEqual(dumpLog(c));
    expect(dumpTable(a).join('\n')).toContain('Tax return 2026 summary');

    const needles = [...values, 'BLOBSECRET', Buffer.from('BLOBSECRET').toString('base64'), 'edited on c', 'notes'];
    const remoteFiles = filesUnder(shared.root!);
    expect(remoteFiles.some((f) => f.includes('batches'))).toBe(true);
    for (const file of remoteFiles) {
      const bytes = readFileSync(file);
      for (const needle of needles) expect(bytes.includes(Buffer.from(needle)), `${file} shows "${needle}"`).toBe(false);
    }
    // The data key itself is in the keychain only: never in a database file or on the remote.
    const epoch = (await heldEpochs(keychainOf(a), (a.sqlite.prepare("SELECT value FROM ZV_METADATA WHERE key = 'dataset_uuid'").pluck().get() as string)))[0]!;
    const dataset = a.sqlite.prepare("SELECT value FROM ZV_METADATA WHERE key = 'dataset_uuid'").pluck().get() as string;
    const dataKey = Buffer.from((await keychainOf(a).get(dataKeyAccount(dataset, epoch)))!, 'base64');
    for (const db of [a, b, c]) db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of [...remoteFiles, ...filesUnder(workspace.dir)]) {
      const bytes = readFileSync(file);
      expect(bytes.includes(dataKey) || bytes.includes(Buffer.from(dataKey.toString('base64'))), `${file} holds the data key`).toBe(false);
    }
  });

  it('an unapproved device sees nothing; once approved it receives the key and catches up', async () => {
    const a = createReplica(workspace, 'a');
    await sync(a, shared.connect(), { encrypt: true });
    a.write([{ op: 'put', table: 'notes', id: 'private', values: { title: 'only for approved devices' } }]);
    await sync(a, shared.connect());

    const newcomer = createReplica(workspace, 'newcomer');
    newcomer.write([{ op: 'put', table: 'notes', id: 'mine', values: { title: 'written before approval' } }]);
    await sync(newcomer, shared.connect());
    await decide(newcomer, keychainOf(newcomer), a.uuid, 'trusted'); // the newcomer confirms a's fingerprint
    const waiting = await sync(newcomer, shared.connect());
    expect(waiting.warnings.join(' ')).toMatch(/key/);
    expect(dumpTable(newcomer).map((r) => r.split(' ')[0])).toEqual(['id=t:"mine"']); // nothing of a's
    expect(await shared.raw.list(`batches/${newcomer.uuid}/`)).toEqual([]); // and nothing of its own in the clear

    await sync(a, shared.connect());
    await decide(a, keychainOf(a), newcomer.uuid, 'trusted');
    await sync(a, shared.connect()); // publishes the key, wrapped for the newcomer
    await sync(newcomer, shared.connect());
    await sync(a, shared.connect());
    expect(dumpTable(newcomer)).toEqual(dumpTable(a));
    expect(dumpTable(a)).toHaveLength(2);
  });

  it('revoking a device rotates the key: what is written afterwards is out of its reach', async () => {
    const [a, b, m] = ['a', 'b', 'm'].map((name) => createReplica(workspace, name)) as [TidemarkDatabase, TidemarkDatabase, TidemarkDatabase];
    await sync(a, shared.connect(), { encrypt: true });
    await introduce(devices(a, b, m));
    for (let round = 0; round < 2; round++) for (const db of [a, b, m]) await sync(db, shared.connect());
    a.write([{ op: 'put', table: 'notes', id: 'before', values: { title: 'seen by m' } }]);
    for (const db of [a, b, m]) await sync(db, shared.connect());
    expect(dumpTable(m)).toHaveLength(1);

    await decide(a, keychainOf(a), m.uuid, 'revoked');
    await sync(a, shared.connect());
    await sync(b, shared.connect()); // b adopts the revocation and receives the new key
    await sync(a, shared.connect());
    await sync(b, shared.connect());
    b.write([{ op: 'put', table: 'notes', id: 'after', values: { title: 'not for m' } }]);
    await sync(b, shared.connect());
    await sync(m, shared.connect());
    await sync(a, shared.connect());
    expect(dumpTable(a).map((r) => r.split(' ')[0])).toEqual(['id=t:"after"', 'id=t:"before"']);
    expect(dumpTable(m).map((r) => r.split(' ')[0])).toEqual(['id=t:"before"']);
  });
});
