// Stages a batch file in a process started through tsx, as the CLI runs, and
// says where it was checked and what it held.
//   node --import tsx tests/support/stage-child.ts <batch file>
// Prints one JSON line: { where, changes, entities }.

import { readFileSync, writeSync } from 'node:fs';
import { stageBatch } from '../../src/main/engine/sync/batch-file';
import { fileWorkerState, stopFileWorker } from '../../src/main/engine/sync/file-worker';

const file = process.argv[2]!;
const staged = await stageBatch(readFileSync(file), 'batches/child.db.gz', { latest: true });
try {
  const changes = [...staged.chunks()].flat().length;
  const entities = [...staged.latest()].length;
  writeSync(1, `${JSON.stringify({ where: fileWorkerState(), changes, entities })}\n`);
} finally {
  staged.close();
  await stopFileWorker();
}
