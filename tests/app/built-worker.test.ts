// The desktop app runs the engine from the electron-vite bundle, where the
// file worker is an entry of its own (out/main/file-worker-thread.js, beside
// index.js, where file-worker.ts looks for it). The built worker must load
// and check a batch exactly as the source does.

import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/shared/types';
import { createHlc } from '../../src/main/engine/hlc';
import { encodeBatch, openPreparedBatch, prepareBatch, type PreparedBatch } from '../../src/main/engine/sync/batch-file';
import { saveCompressed } from '../../src/main/engine/sync/change-file';
import type { FileReply } from '../../src/main/engine/sync/file-worker';
import { ensureBuilt, ROOT } from '../e2e/support/serve';

const clock = createHlc({ now: () => Date.UTC(2026, 0, 1) });
const AUTHOR = clock.next();

function batchBytes(): Uint8Array {
  const transactionId = clock.next();
  const changes: Change[] = Array.from({ length: 40 }, (_, i) => ({
    id: clock.next(),
    transactionId,
    author: AUTHOR,
    entityType: 'notes',
    entityId: `n${i % 10}`,
    attribute: i % 2 ? 'title' : 'rank',
    oldValue: null,
    newValue: i % 2 ? JSON.stringify(`title ${i}`) : String(i),
  }));
  return encodeBatch(changes, { dataset_uuid: '0190f5a0-0000-7000-8000-0000000000b1', author: AUTHOR, prev_sha256: '' }).bytes;
}

function contents(prepared: PreparedBatch) {
  const batch = openPreparedBatch(prepared, 'batches/built.db.gz');
  try {
    const latest = [...batch.latest()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return { meta: batch.meta, changes: [...batch.chunks()].flat(), latest };
  } finally {
    batch.close();
  }
}

describe('the built file worker', () => {
  it('loads from the app bundle and checks a batch as the source does', async () => {
    await ensureBuilt();
    const entry = join(ROOT, 'out', 'main', 'file-worker-thread.js');
    expect(existsSync(entry), 'out/main/file-worker-thread.js: run npm run build').toBe(true);
    const bytes = batchBytes();
    const worker = new Worker(entry);
    try {
      worker.postMessage({ id: 1, task: 'prepare-batch', args: [saveCompressed(bytes), 'batches/built.db.gz', { latest: true }] });
      const [reply] = (await once(worker, 'message')) as [FileReply];
      if (!reply.ok) throw new Error(`the built worker refused the batch: ${reply.message}`);
      const expected = contents(await prepareBatch(bytes, 'batches/built.db.gz', { latest: false }));
      expect(expected.latest).toHaveLength(10);
      expect(contents(reply.value as PreparedBatch)).toEqual(expected);
    } finally {
      await worker.terminate();
    }
  }, 120_000);
});
