// What only the S3 remote promises, beyond the shared contract: failures mapped
// to errors a person can act on, a root prefix that isolates, no secret in any
// message, and recovery after the server restarts.

import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemote, createS3Remote, parseRemoteUrl, type S3Remote } from '../../src/main/engine/remote';
import { isTidemarkError } from '../../src/shared/errors';
import { S3_TEST_CREDENTIALS, startS3Server } from '../support/s3-server';
import { createTestBucket, type TestBucket } from '../support/test-bucket';

const text = (value: string) => new TextEncoder().encode(value);

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isTidemarkError(error)) throw new Error(`expected a TidemarkError, got ${String(error)}`);
  return error;
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('S3 remote', () => {
  let test: TestBucket;
  const remotes: S3Remote[] = [];
  const make = (options: Partial<Parameters<typeof createS3Remote>[0]> = {}) => {
    const remote = createS3Remote({ ...test.remoteOptions('root/sub'), ...options });
    remotes.push(remote);
    return remote;
  };
  beforeAll(async () => {
    test = await createTestBucket();
  });
  afterAll(() => {
    for (const remote of remotes) remote.close();
    test.client.destroy();
  });

  it('maps a wrong secret or key id to remote-auth, without leaking the secret', async () => {
    const secret = 'wrong-secret-Xy9';
    const wrongSecret = make({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: secret } });
    for (const attempt of [
      wrongSecret.list(''),
      wrongSecret.get('tidemark.json'),
      wrongSecret.putIfAbsent('tidemark.json', text('{}')),
    ]) {
      const error = await failure(attempt);
      expect(error.detail.kind).toBe('remote-auth');
      expect(JSON.stringify(error.detail) + error.message).not.toContain(secret);
      expect(error.detail.kind === 'remote-auth' && error.detail.hint).toMatch(/access key id and secret/);
    }
    const wrongKey = make({ credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'S3RVER' } });
    expect((await failure(wrongKey.list(''))).detail.kind).toBe('remote-auth');
    expect(wrongSecret.url).toBe('s3://' + test.bucket + '/root/sub');
  });

  it('maps a missing bucket to remote-not-found', async () => {
    const remote = make({ bucket: 'no-such-bucket-here' });
    for (const attempt of [remote.list(''), remote.get('x.json'), remote.putIfMatch('x.json', text('x'), '"e"')]) {
      const error = await failure(attempt);
      expect(error.detail.kind).toBe('remote-not-found');
      expect(error.message).toBe('The remote s3://no-such-bucket-here/root/sub does not exist');
    }
  });

  it('maps a closed port to remote-unreachable, quickly', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const remote = make({ endpoint });
    const started = Date.now();
    const error = await failure(remote.list('replicas/'));
    expect(error.detail.kind).toBe('remote-unreachable');
    expect(error.detail.kind === 'remote-unreachable' && error.detail.hint).toContain(endpoint);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('keeps to its root prefix', async () => {
    const remote = make();
    for (const Key of ['outside.json', 'root/subway/a.json', 'root/other/b.json', 'root/sub/in.json']) {
      await test.client.send(new PutObjectCommand({ Bucket: test.bucket, Key, Body: Key }));
    }
    expect((await remote.list('')).map((object) => object.key)).toEqual(['in.json']);
    expect((await remote.get('outside.json')).status).toBe('missing');
    const wholeBucket = make({ prefix: '/' });
    expect((await wholeBucket.list('root/')).map((object) => object.key)).toEqual([
      'root/other/b.json',
      'root/sub/in.json',
      'root/subway/a.json',
    ]);
  });

  it('is built by createRemote from an s3:// URL', async () => {
    const remote = createRemote(parseRemoteUrl(`s3://${test.bucket}/made/by/url`), {
      s3: { endpoint: test.endpoint, credentials: S3_TEST_CREDENTIALS },
    });
    expect(remote.url).toBe(`s3://${test.bucket}/made/by/url`);
    expect((await remote.putIfAbsent('tidemark.json', text('{}'))).status).toBe('ok');
    expect((await remote.list('')).map((object) => object.key)).toEqual(['tidemark.json']);
    (remote as S3Remote).close();
  });
});

describe('S3 remote across a server restart', () => {
  it('fails as unreachable while the server is down, and finds its data after the restart', async () => {
    const first = await startS3Server();
    const bucket = await createTestBucket({ endpoint: first.endpoint });
    const remote = createS3Remote(bucket.remoteOptions('r'));
    try {
      const put = await remote.putIfAbsent('replicas/a.json', text('head'));
      if (put.status !== 'ok') throw new Error('put failed');
      await first.kill();
      expect((await failure(remote.get('replicas/a.json'))).detail.kind).toBe('remote-unreachable');
      const second = await startS3Server({ directory: first.directory, port: first.port });
      try {
        expect(second.endpoint).toBe(first.endpoint);
        expect(await remote.get('replicas/a.json', { ifNoneMatch: put.etag })).toEqual({ status: 'not-modified' });
        expect((await remote.putIfMatch('replicas/a.json', text('next'), put.etag)).status).toBe('ok');
      } finally {
        await second.stop();
      }
    } finally {
      remote.close();
      bucket.client.destroy();
      await first.stop(); // removes the temp directory both servers used
    }
  });
});
