// One S3 test server for the whole run. Tests find it through
// inject('s3Endpoint') or, outside vitest's context, TIDEMARK_TEST_S3_ENDPOINT
// (forked workers inherit the environment set here).

import type { TestProject } from 'vitest/node';
import { startS3Server } from './s3-server';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startS3Server();
  project.provide('s3Endpoint', server.endpoint);
  process.env.TIDEMARK_TEST_S3_ENDPOINT = server.endpoint;
  return async () => {
    // Stops the child by its PID (server.pid) and removes its temp directory.
    await server.stop();
  };
}
