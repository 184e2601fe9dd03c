// Device trust: nothing from a replica is applied until a person approves it,
// one approval reaches every device that trusts the approver, and forged,
// altered or replayed files are refused with the reason shown.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listReplicas } from '../../src/main/engine/sync/replicas';
import { encodeHead, signedBytes, type Head } from '../../src/main/engine/sync/head';
import { loadOrCreateKeys, signBytes } from '../../src/main/engine/trust/keys';
import { createMemorySecretStore } from '../../src/main/engine/secrets/secret-store';
import { decide } from '../../src/main/engine/trust/trust';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { createReplica, createSharedRemote, dumpTable, introduce, keychainOf, sync, type SharedRemote } from '../support/sync-fixtures';
import type { TidemarkDatabase } from '../../src/main/engine/database';

const ids = (db: TidemarkDatabase) => dumpTable(db).map((row) => JSON.parse(row.split(' ')[0]!.slice('id=t:'.length)) as string);

describe('device trust', () => {
  let workspace: Workspace;
  let shared: SharedRemote;
  beforeEach(async () => {
    workspace = createWorkspace();
    shared = await createSharedRemote('folder');
  });
  afterEach(() => workspace.cleanup());

  async function replaceObject(key: string, body: Uint8Array) {
    const current = await shared.raw.get(key);
    if (current.status !== 'ok') throw new Error(`missing ${key}`);
    await shared.raw.putIfMatch(key, body, current.etag);
  }

  it('never applies an unapproved replica; one approval reaches a device that trusts the approver', async () => {
    const a = createReplica(workspace, 'a');
    const c = createReplica(workspace, 'c');
    await introduce([{ db: a, remote: shared.connect() }, { db: c, remote: shared.connect() }]);
    const stranger = createReplica(workspace, 'stranger');
    stranger.write([{ op: 'put', table: 'notes', id: 'injected', values: { title: 'hello from a stranger' } }]);
    await sync(stranger, shared.connect());

    const seen = await sync(a, shared.connect());
    expect(seen.pending).toEqual([stranger.uuid]);
    await sync(c, shared.connect());
    expect(ids(a)).toEqual([]);
    expect(ids(c)).toEqual([]);
    const pending = listReplicas(a).find((r) => r.replica === stranger.uuid)!;
    expect(pending.state).toBe('pending');
    const strangerKeys = await loadOrCreateKeys(keychainOf(stranger), stranger.uuid);
    expect(pending.fingerprint).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
    expect(listReplicas(stranger, strangerKeys.public)[0]!.fingerprint).toBe(pending.fingerprint); // same on both screens

    await decide(a, keychainOf(a), stranger.uuid, 'trusted');
    await sync(a, shared.connect()); // applies it, and publishes the approval
    expect(ids(a)).toEqual(['injected']);
    await sync(c, shared.connect()); // c approved nobody: it follows a
    expect(ids(c)).toEqual(['injected']);
    expect(listReplicas(c).find((r) => r.replica === stranger.uuid)!.state).toBe('trusted');
  });

  it('a rejected replica stays out, and a revoked one keeps what it wrote before', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    const m = createReplica(workspace, 'm');
    await introduce([a, b, m].map((db) => ({ db, remote: shared.connect() })));
    m.write([{ op: 'put', table: 'notes', id: 'before', values: { title: 'x' } }]);
    await sync(m, shared.connect());
    await sync(a, shared.connect());
    await decide(a, keychainOf(a), m.uuid, 'revoked');
    await sync(a, shared.connect());
    m.write([{ op: 'put', table: 'notes', id: 'after', values: { title: 'y' } }]);
    await sync(m, shared.connect());
    await sync(b, shared.connect()); // b adopts the revocation before it reads m's new batch
    await sync(a, shared.connect());
    expect(ids(a)).toEqual(['before']);
    expect(ids(b)).not.toContain('after');
    expect(listReplicas(b).find((r) => r.replica === m.uuid)!.state).toBe('revoked');
  });

  it('refuses a head signed by the wrong key, and the others keep syncing', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    const c = createReplica(workspace, 'c');
    await introduce([a, b, c].map((db) => ({ db, remote: shared.connect() })));
    // An attacker with write access rewrites b's head with a batch of their own, signed by their key.
    const attacker = await loadOrCreateKeys(createMemorySecretStore(), b.uuid);
    const current = await shared.raw.get(`replicas/${b.uuid}.json`);
    if (current.status !== 'ok') throw new Error('missing');
    const head = JSON.parse(Buffer.from(current.body).toString()) as Head;
    const forged: Head = { ...head, name: 'b (forged)', public_key: attacker.public.signing, agreement_key: attacker.public.agreement, signature: undefined };
    forged.signature = signBytes(signedBytes(forged), attacker.signingPrivate);
    await replaceObject(`replicas/${b.uuid}.json`, encodeHead(forged));
    c.write([{ op: 'put', table: 'notes', id: 'from-c', values: { title: 'c' } }]);
    await sync(c, shared.connect());

    const report = await sync(a, shared.connect());
    expect(report.problems.map((p) => p.replica)).toEqual([b.uuid]);
    expect(listReplicas(a).find((r) => r.replica === b.uuid)!.problem).toMatch(/different key|signature/);
    expect(ids(a)).toEqual(['from-c']);
  });

  it('refuses a batch whose bytes were changed, and a replayed older head', async () => {
    const a = createReplica(workspace, 'a');
    const b = createReplica(workspace, 'b');
    await introduce([{ db: a, remote: shared.connect() }, { db: b, remote: shared.connect() }]);
    b.write([{ op: 'put', table: 'notes', id: 'one', values: { title: 'one' } }]);
    await sync(b, shared.connect());
    await sync(a, shared.connect());
    const oldHead = await shared.raw.get(`replicas/${b.uuid}.json`);
    if (oldHead.status !== 'ok') throw new Error('missing');

    b.write([{ op: 'put', table: 'notes', id: 'two', values: { title: 'two' } }]);
    await sync(b, shared.connect());
    const batches = await shared.raw.list(`batches/${b.uuid}/`);
    const newest = batches[batches.length - 1]!;
    const original = await shared.raw.get(newest.key);
    if (original.status !== 'ok') throw new Error('missing');
    const altered = Buffer.from(original.body);
    altered[altered.length - 10]! ^= 0xff;
    await replaceObject(newest.key, altered);
    const report = await sync(a, shared.connect());
    expect(report.problems[0]?.message).toMatch(/do not match the hash/);
    expect(ids(a)).toEqual(['one']);

    await replaceObject(newest.key, original.body);
    await replaceObject(`replicas/${b.uuid}.json`, oldHead.body); // replay b's older, validly signed head
    const replayed = await sync(a, shared.connect());
    expect(replayed.problems[0]?.message).toMatch(/older than one already seen|replayed/);
    expect(listReplicas(a).find((r) => r.replica === b.uuid)!.problem).toMatch(/replayed/);
  });
});
