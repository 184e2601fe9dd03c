// The S3 test server for the sync scenarios: the bench's parent starts it
// (tests/support/s3-server.ts) and hands its endpoint down in the environment.

import { createS3Remote, type S3Remote } from '../src/main/engine/remote';
import { createTestBucket } from '../tests/support/test-bucket';

export function s3Endpoint(): string {
  const endpoint = process.env.TIDEMARK_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('no S3 test server: run through bench/index.ts');
  return endpoint;
}

/** A fresh bucket; `connect()` gives each device its own client, as on separate machines. */
export async function createBenchBucket(): Promise<{ connect(): S3Remote; options: ReturnType<Awaited<ReturnType<typeof createTestBucket>>['remoteOptions']>; close(): void }> {
  const bucket = await createTestBucket({ endpoint: s3Endpoint() });
  const options = bucket.remoteOptions('data');
  const clients: S3Remote[] = [];
  return {
    options,
    connect() {
      const remote = createS3Remote(options);
      clients.push(remote);
      return remote;
    },
    close() {
      for (const client of clients) client.close();
      bucket.client.destroy();
    },
  };
}
