// The desktop app runs the engine from the electron-vite bundle, where the
// file worker is an entry of its own (out/main/file-worker-thread.js, beside
// index.js, where file-worker.ts looks for it). The built worker must load
// and check a batch exactly as the source does. The test builds the app
// afresh into a folder of its own under out/ (so npm modules resolve as in
// out/main), whatever state out/ is in.

import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/shared/types';
import { createHlc } from '../../src/main/engine/hlc';
import { encodeBatch, openPreparedBatch, prepareBatch, type PreparedBatch } from '../../src/main/engine/sync/batch-file';
import { saveCompressed } from '../../src/main/engine/sync/change-file';
import type { FileReply } from '../../src/main/engine/sync/file-worker';
import { ROOT } from '../e2e/support/serve';

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
    mkdirSync(join(ROOT, 'out'), { recursive: true });
    const outDir = mkdtempSync(join(ROOT, 'out', '.built-worker-'));
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const bytes = batchBytes();
    const worker = new Worker(join(outDir, 'main', 'file-worker-thread.js'));
    try {
      worker.postMessage({ id: 1, task: 'prepare-batch', args: [saveCompressed(bytes), 'batches/built.db.gz', { latest: true }] });
      const [reply] = (await once(worker, 'message')) as [Exclude<FileReply, { step: unknown }>]; // sent without a sort claim: no step message comes first
      if (!reply.ok) throw new Error(`the built worker refused the batch: ${reply.message}`);
      const expected = contents(await prepareBatch(bytes, 'batches/built.db.gz', { latest: false }));
      expect(expected.latest).toHaveLength(10);
      expect(contents(reply.value as PreparedBatch)).toEqual(expected);
    } finally {
      await worker.terminate();
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
