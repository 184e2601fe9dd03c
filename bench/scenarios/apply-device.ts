// A replica of scenario 2, alone in its process: applies batch files from
// disk the way pull.ts does (stageBatch + db.applyFile, one transaction per
// file, the next files unpacked while one is applied), and reports the time and peak RSS.
//   join:    a fresh replica, as a device joining the dataset (bulk load)
//   holding: a replica that already holds a change of its own (every change
//            takes the careful path: conflict checks, rows read back)
//   node --import tsx apply-device.ts <db file> join|holding <batch file>:<its changes>...

import { readFile } from 'node:fs/promises';
import { openDatabase } from '../../src/main/engine/database';
import { stageBatch } from '../../src/main/engine/sync/batch-file';
import { ahead } from '../../src/main/engine/sync/ahead';
import { sortWhileWaiting } from '../../src/main/engine/sync/shared-sort';
import { CHANGES_AHEAD } from '../../src/main/engine/sync/pull';
import { NOTES_TABLE, timeAsync } from '../support';
import type { ApplyRun } from './apply';

const [file, mode, ...batches] = process.argv.slice(2);
if (!file || (mode !== 'join' && mode !== 'holding')) throw new Error('usage: apply-device.ts <db> join|holding <file:count>...');
const files = batches.map((batch) => {
  const at = batch.lastIndexOf(':');
  return { path: batch.slice(0, at), count: Number(batch.slice(at + 1)) };
});

const db = openDatabase(file, { create: true, name: 'apply' });
db.sqlite.exec(NOTES_TABLE);
db.track(['notes']);
if (mode === 'holding') db.write([{ op: 'put', table: 'notes', id: 'held-here', values: { title: 'a note of its own' } }]);
const startRssBytes = process.resourceUsage().maxRSS * 1024;
let applied = 0;
const { seconds } = await timeAsync(async () => {
  // As pull.ts does: the next files are read and unpacked while one is applied.
  for await (const batch of ahead(files, { budget: CHANGES_AHEAD, weight: ({ count }) => count, whileWaiting: sortWhileWaiting }, async ({ path }, handOff) => {
    const staging = stageBatch(await readFile(path), path, { latest: db.joining() });
    handOff();
    return staging;
  })) {
    try {
      applied += db.applyFile(batch).applied;
    } finally {
      batch.close();
    }
  }
  db.endBulkLoad();
});
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
db.close();
const result: ApplyRun = { seconds, applied, maxRssBytes, startRssBytes };
process.send?.(result);
