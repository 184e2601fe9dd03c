// A fresh bucket on the run's S3 test server for each test that needs one, so
// tests never see each other's objects.

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { S3RemoteOptions } from '../../src/main/engine/remote/s3-remote';
import { S3_TEST_CREDENTIALS, S3_TEST_REGION } from './s3-server';

export interface TestBucket {
  bucket: string;
  endpoint: string;
  /** Options for createS3Remote (prefix '' unless given). */
  remoteOptions(prefix?: string): S3RemoteOptions;
  /** A raw client on the same server, for tests that go around the adapter. */
  client: S3Client;
}

/** The run's S3 test server (from global-setup.ts). */
export function testS3Endpoint(): string {
  const fromEnv = process.env.TIDEMARK_TEST_S3_ENDPOINT;
  let injected: string | undefined;
  try {
    injected = inject('s3Endpoint');
  } catch {
    // Not inside a vitest worker (e.g. a benchmark): the environment variable it is.
  }
  const endpoint = injected ?? fromEnv;
  if (!endpoint) throw new Error('No S3 test server: run through vitest (globalSetup) or set TIDEMARK_TEST_S3_ENDPOINT');
  return endpoint;
}

export function createTestS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: S3_TEST_REGION,
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createTestBucket(options: { endpoint?: string } = {}): Promise<TestBucket> {
  const endpoint = options.endpoint ?? testS3Endpoint();
  const bucket = `t-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
  const client = createTestS3Client(endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    endpoint,
    client,
    remoteOptions: (prefix = '') => ({
      bucket,
      prefix,
      endpoint,
      region: S3_TEST_REGION,
      forcePathStyle: true,
      credentials: S3_TEST_CREDENTIALS,
    }),
  };
}
