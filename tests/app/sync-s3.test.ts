// An S3 remote through the gate, against the run's S3 test server: keys go to
// the keychain and only "set" comes back; wrong or missing keys are typed
// errors with what to do; two devices sync through the bucket.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemorySecretStore } from '../../src/main/engine/secrets/secret-store';
import type { RemoteTestResult, RemoteView, ReplicasView, SyncRun, SyncStatus } from '../../src/shared/sync-types';
import { createTestBucket, type TestBucket } from '../support/test-bucket';
import { createDevice, noteTitles, type Device } from './sync-fixture';

let bucket: TestBucket;
let laptop: Device;
let desk: Device;
const laptopKeychain = createMemorySecretStore();

beforeEach(async () => {
  bucket = await createTestBucket();
  laptop = await createDevice('Laptop', { secrets: laptopKeychain });
  desk = await createDevice('Desk');
});
afterEach(() => {
  laptop.app.cleanup();
  desk.app.cleanup();
});

// A fresh object each time: the S3 SDK marks credential objects it was given.
const keys = () => ({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
const s3Draft = () => ({ kind: 's3', bucket: bucket.bucket, prefix: 'notes/', endpoint: bucket.endpoint, region: 'us-east-1', pathStyle: true });

describe('an S3 remote', () => {
  it('keeps the keys in the keychain, says only whether they are set, and syncs two devices', async () => {
    const saved = await laptop.call<RemoteView>('remote.set', { remote: s3Draft(), encrypt: false });
    expect(saved.remote).toMatchObject({
      kind: 's3',
      url: `s3://${bucket.bucket}/notes`,
      credentials: 'not-set',
      draft: { kind: 's3', bucket: bucket.bucket, prefix: 'notes', endpoint: bucket.endpoint, region: 'us-east-1', pathStyle: true },
    });
    expect(await laptop.call<SyncStatus>('sync.status')).toMatchObject({ settings: { intervalMinutes: null, onChange: false }, defaultSettings: true });

    // No keys: refused before any request, with where to enter them.
    expect(await laptop.fail('sync.now')).toMatchObject({ kind: 'remote-auth', hint: expect.stringMatching(/Sync → Remote/) });
    // Wrong keys typed into the form: the server says no.
    expect(await laptop.fail('remote.test', { draft: s3Draft(), credentials: { accessKeyId: 'WRONG', secretAccessKey: 'nope' } })).toMatchObject({ kind: 'remote-auth' });
    // Right keys typed, not saved yet: the test passes.
    expect(await laptop.call<RemoteTestResult>('remote.test', { draft: s3Draft(), credentials: keys() })).toMatchObject({ dataset: 'empty', replicas: 0 });

    const stored = await laptop.call<RemoteView>('remote.setCredentials', keys());
    expect(stored.remote!.credentials).toBe('set');
    expect(JSON.stringify(stored)).not.toContain('S3RVER');
    expect(await laptopKeychain.get(`s3-credentials/${bucket.endpoint}/${bucket.bucket}`)).toContain('S3RVER');

    await laptop.call('rows.put', { table: 'notes', id: 'n1', values: { title: 'Through S3' } });
    expect(await laptop.call<SyncRun>('sync.now')).toMatchObject({ ok: true, summary: { pushed: 1 } });

    await desk.call('remote.set', { remote: s3Draft(), encrypt: false });
    await desk.call('remote.setCredentials', keys());
    expect(await desk.call<RemoteTestResult>('remote.test')).toMatchObject({ dataset: 'joins', replicas: 1 });
    const seen = await desk.call<SyncRun>('sync.now');
    expect(seen.summary!.pending).toEqual([laptop.uuid]);
    const fingerprint = (await desk.call<ReplicasView>('replicas.list')).replicas.find((r) => r.replica === laptop.uuid)!.fingerprint;
    await desk.call('replicas.approve', { replica: laptop.uuid, fingerprint });
    await desk.app.service.sync.exclusive(desk.id, async () => {});
    expect(await noteTitles(desk)).toEqual(['Through S3']);
    expect((await desk.call<SyncStatus>('sync.status')).last).toMatchObject({ ok: true, trigger: 'decision' });
  });

  it('says when the keys come from the environment', async () => {
    const envDevice = await createDevice('Env', { env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } });
    try {
      const view = await envDevice.call<RemoteView>('remote.set', { remote: s3Draft(), encrypt: false });
      expect(view.remote!.credentials).toBe('environment');
      expect((await envDevice.call<SyncRun>('sync.now')).ok).toBe(true);
    } finally {
      envDevice.app.cleanup();
    }
  });

  it('reports a bucket that does not exist', async () => {
    await laptop.call('remote.set', { remote: { ...s3Draft(), bucket: 'no-such-bucket-here' }, encrypt: false });
    await laptop.call('remote.setCredentials', keys());
    expect(await laptop.fail('remote.test')).toMatchObject({ kind: 'remote-not-found' });
  });
});
