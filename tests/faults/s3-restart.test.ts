// The S3 server goes away in the middle of a sync (DESIGN.md 4.5): killed like a
// crash or a power cut, or restarted like a deploy, right before a step of the
// push or the pull, or while a request is on the wire. The sync either retries
// its way through (a restart) or fails with a typed error a person can act on
// (remote-unreachable or remote-io, never an untyped exception); the next sync
// after the server is back recovers, and the replicas converge with every change
// exactly once. A server of its own (same data directory and port across
// restarts), so the run's shared server is never touched.

import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Remote, type S3Remote } from '../../src/main/engine/remote';
import { TidemarkError } from '../../src/shared/errors';
import type { TidemarkDatabase } from '../../src/main/engine/database';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { startS3Server, type S3Server } from '../support/s3-server';
import { createTestBucket, type TestBucket } from '../support/test-bucket';
import { createReplica, dumpLog, dumpTable, introduce, sync } from '../support/sync-fixtures';
import { createFaultRemote, type RemoteCall } from '../support/fault-remote';
import { repeated, logContents } from '../support/fault-devices';

let server: S3Server;
let bucket: TestBucket;
let workspace: Workspace;
const clients: S3Remote[] = [];

function connect(): S3Remote {
  const remote = createS3Remote({ ...bucket.remoteOptions('data'), connectionTimeoutMs: 2_000, socketTimeoutMs: 5_000 });
  clients.push(remote);
  return remote;
}

beforeAll(async () => {
  server = await startS3Server();
  bucket = await createTestBucket({ endpoint: server.endpoint });
  workspace = createWorkspace('tidemark-s3-restart-');
});
afterAll(async () => {
  for (const client of clients) client.close();
  bucket?.client.destroy();
  await server?.stop();
  // A server started again on the same directory does not own it: remove it here.
  if (server) await rm(server.directory, { recursive: true, force: true });
  workspace?.cleanup();
});

type Outage = 'killed before' | 'restarted before' | 'killed during';

interface Step {
  side: 'push' | 'pull';
  what: string;
  match: (call: RemoteCall) => boolean;
}

const isBatch = (call: RemoteCall) => call.key.startsWith('batches/');
const isHead = (call: RemoteCall) => call.key.startsWith('replicas/') && call.operation !== 'list';

const cases: Array<{ outage: Outage } & Step> = [
  { outage: 'killed before', side: 'push', what: 'the LIST of replicas/', match: (c) => c.operation === 'list' },
  { outage: 'killed before', side: 'push', what: 'the upload of the 2nd batch', match: (c) => c.operation === 'putIfAbsent' && isBatch(c) },
  { outage: 'killed before', side: 'push', what: 'the head update', match: (c) => c.operation === 'putIfMatch' && isHead(c) },
  { outage: 'killed before', side: 'pull', what: 'the GET of the 2nd batch', match: (c) => c.operation === 'get' && isBatch(c) },
  { outage: 'restarted before', side: 'push', what: 'the upload of the 2nd batch', match: (c) => c.operation === 'putIfAbsent' && isBatch(c) },
  { outage: 'restarted before', side: 'pull', what: 'the GET of the 2nd batch', match: (c) => c.operation === 'get' && isBatch(c) },
  { outage: 'killed during', side: 'push', what: 'the upload of the 2nd batch', match: (c) => c.operation === 'putIfAbsent' && isBatch(c) },
  { outage: 'killed during', side: 'push', what: 'the head update', match: (c) => c.operation === 'putIfMatch' && isHead(c) },
  { outage: 'killed during', side: 'pull', what: 'the GET of the 2nd batch', match: (c) => c.operation === 'get' && isBatch(c) },
];

describe('the S3 test server goes away mid-sync', () => {
  let a: TidemarkDatabase;
  let b: TidemarkDatabase;
  let rows = 0;

  beforeAll(async () => {
    a = createReplica(workspace, 'a');
    b = createReplica(workspace, 'b');
    await introduce([{ db: a, remote: connect() }, { db: b, remote: connect() }]);
  });

  it.each(cases.map((c) => [`${c.outage} ${c.what} (${c.side})`, c] as const))('%s: a typed error or a retry, then the next sync recovers', async (_name, step) => {
    const { outage } = step;
    // a has three batches to push (two rows of five changes each).
    for (let i = 0; i < 6; i++) a.write([{ op: 'put', table: 'notes', id: `r${rows++}`, values: { title: `row ${rows}`, rank: rows } }]);
    if (step.side === 'pull') await sync(a, connect(), { maxBatchChanges: 10 });
    const [victim, other] = step.side === 'push' ? [a, b] : [b, a];

    // "2nd" steps fault the second matching call; the others the first.
    let seen = 0;
    const nth = step.what.includes('2nd') ? 2 : 1;
    const remote = createFaultRemote(connect(), [
      {
        match: (call) => step.match(call) && ++seen === nth,
        fault: {
          kind: 'hook',
          before: async () => {
            if (outage === 'killed before') await server.kill();
            if (outage === 'restarted before') server = await server.restart();
          },
          during: async () => {
            if (outage === 'killed during') await server.kill();
          },
        },
      },
    ]);
    // The engine retries transient failures (quickly here); the server stays down until we start it again.
    const outcome = await sync(victim, remote, { maxBatchChanges: 10, retry: { baseDelayMs: 20 } }).then(
      () => 'synced',
      (error: unknown) => error,
    );
    expect(remote.injected, 'the outage happened at the chosen step').toHaveLength(1);
    if (outcome !== 'synced') {
      expect(outcome).toBeInstanceOf(TidemarkError);
      expect(['remote-unreachable', 'remote-io']).toContain((outcome as TidemarkError).detail.kind);
      expect((outcome as TidemarkError).message).toContain(bucket.bucket);
    }
    if (process.env.TIDEMARK_FAULT_DEBUG) console.log(outage, step.what, outcome instanceof TidemarkError ? outcome.detail : outcome);
    // Killed before a call: nothing can succeed until the server is back. Killed during
    // the last call (the head update), the request may have been answered first.
    if (outage === 'killed before') expect(outcome).toBeInstanceOf(TidemarkError);

    if (outage !== 'restarted before') server = await startS3Server({ directory: server.directory, port: server.port });
    for (const db of [victim, other, victim, other]) expect((await sync(db, connect(), { maxBatchChanges: 10 })).problems).toEqual([]);
    expect(dumpLog(b)).toEqual(dumpLog(a));
    expect(dumpTable(b)).toEqual(dumpTable(a));
    expect(repeated(logContents(a))).toEqual([]);
    expect(dumpTable(a)).toHaveLength(rows);
  }, 60_000);
});
