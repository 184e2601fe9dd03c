// The conditional-request front of the S3 test server: the other S3 tests are only
// as good as its compare-and-swap, so it is tested on its own, through the SDK.

import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPreconditions, etagListMatches } from '../support/s3-front';
import { S3_TEST_REGION } from '../support/s3-server';
import { createTestBucket, type TestBucket } from '../support/test-bucket';

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

async function statusOfRequest(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    return statusOf(error) ?? -1;
  }
}

describe('conditional front of the S3 test server', () => {
  let test: TestBucket;
  beforeAll(async () => {
    test = await createTestBucket();
  });

  it('lets exactly one of 20 concurrent compare-and-swap writers win', async () => {
    const { client, bucket: Bucket } = test;
    const first = await client.send(new PutObjectCommand({ Bucket, Key: 'cas/head.json', Body: 'v0' }));
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        statusOfRequest(
          client.send(new PutObjectCommand({ Bucket, Key: 'cas/head.json', Body: `writer ${i}`, IfMatch: first.ETag })),
        ),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(19);
    const winner = statuses.indexOf(200);
    const stored = await client.send(new GetObjectCommand({ Bucket, Key: 'cas/head.json' }));
    expect(await stored.Body?.transformToString()).toBe(`writer ${winner}`);
  });

  it('refuses a second create-only write with 412 and keeps the first body', async () => {
    const { client, bucket: Bucket } = test;
    const put = (Body: string) => client.send(new PutObjectCommand({ Bucket, Key: 'once.json', Body, IfNoneMatch: '*' }));
    expect(await statusOfRequest(put('first'))).toBe(200);
    expect(await statusOfRequest(put('second'))).toBe(412);
    const stored = await client.send(new GetObjectCommand({ Bucket, Key: 'once.json' }));
    expect(await stored.Body?.transformToString()).toBe('first');
  });

  it('lets exactly one of 20 concurrent create-only writers win', async () => {
    const { client, bucket: Bucket } = test;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        statusOfRequest(client.send(new PutObjectCommand({ Bucket, Key: 'race.json', Body: `${i}`, IfNoneMatch: '*' }))),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(19);
  });

  it('answers If-Match on a missing key with 404', async () => {
    const { client, bucket: Bucket } = test;
    const put = client.send(new PutObjectCommand({ Bucket, Key: 'missing.json', Body: 'x', IfMatch: '"abc"' }));
    expect(await statusOfRequest(put)).toBe(404);
  });

  it('answers GET and HEAD If-Match with 412 on a stale etag, and If-None-Match with 304', async () => {
    const { client, bucket: Bucket } = test;
    const { ETag } = await client.send(new PutObjectCommand({ Bucket, Key: 'read.json', Body: 'body' }));
    const get = (input: { IfMatch?: string; IfNoneMatch?: string }) =>
      statusOfRequest(client.send(new GetObjectCommand({ Bucket, Key: 'read.json', ...input })));
    expect(await get({ IfMatch: ETag })).toBe(200);
    expect(await get({ IfMatch: '"stale"' })).toBe(412);
    expect(await get({ IfNoneMatch: ETag })).toBe(304);
    expect(await get({ IfNoneMatch: '"stale"' })).toBe(200);
    const head = (IfMatch: string) => statusOfRequest(client.send(new HeadObjectCommand({ Bucket, Key: 'read.json', IfMatch })));
    expect(await head(ETag ?? '')).toBe(200);
    expect(await head('"stale"')).toBe(412);
  });

  it('checks credentials before conditions, as S3 does', async () => {
    const { bucket: Bucket, endpoint } = test;
    await test.client.send(new PutObjectCommand({ Bucket, Key: 'auth.json', Body: 'x' }));
    const intruder = new S3Client({
      endpoint,
      region: S3_TEST_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    const put = intruder.send(new PutObjectCommand({ Bucket, Key: 'auth.json', Body: 'y', IfNoneMatch: '*' }));
    expect(await statusOfRequest(put)).toBe(403);
    intruder.destroy();
  });
});

describe('precondition rules', () => {
  it.each([
    ['PUT', { 'if-none-match': '*' }, '"a"', 'PreconditionFailed'],
    ['PUT', { 'if-none-match': '*' }, undefined, undefined],
    ['PUT', { 'if-match': '"a"' }, '"a"', undefined],
    ['PUT', { 'if-match': '"a"' }, '"b"', 'PreconditionFailed'],
    ['PUT', { 'if-match': '"a"' }, undefined, 'NoSuchKey'],
    ['GET', { 'if-match': '"a"' }, '"b"', 'PreconditionFailed'],
    ['GET', { 'if-match': '"b", "a"' }, '"a"', undefined],
    ['HEAD', { 'if-match': '*' }, '"a"', undefined],
    ['GET', { 'if-match': '"a"' }, undefined, undefined], // s3rver answers 404 itself
    ['PUT', {}, '"a"', undefined],
  ] as const)('%s %j against %s -> %s', (method, headers, etag, expected) => {
    expect(checkPreconditions(method, headers, etag)?.code).toBe(expected);
  });

  it('compares etags without quotes or weak markers', () => {
    expect(etagListMatches('W/"abc"', '"abc"')).toBe(true);
    expect(etagListMatches('abc', '"abc"')).toBe(true);
    expect(etagListMatches('"abd"', '"abc"')).toBe(false);
  });
});
