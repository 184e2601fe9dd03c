// A fresh replica of scenario 2, alone in its process: applies batch files
// from disk, one transaction per file, and reports the time and peak RSS.
//   node --import tsx apply-device.ts <db file> whole|streamed <batch file>...

import { readFileSync } from 'node:fs';
import { openDatabase } from '../../src/main/engine/database';
import { decodeBatch, openBatch } from '../../src/main/engine/sync/batch-file';
import { NOTES_TABLE, time } from '../support';
import type { ApplyRun } from './apply';

const [file, mode, ...paths] = process.argv.slice(2);
if (!file || (mode !== 'whole' && mode !== 'streamed')) throw new Error('usage: apply-device.ts <db> whole|streamed <files>');

const db = openDatabase(file, { create: true, name: 'apply' });
db.sqlite.exec(NOTES_TABLE);
db.track(['notes']);
const startRssBytes = process.resourceUsage().maxRSS * 1024;
let applied = 0;
const { seconds } = time(() => {
  for (const path of paths) {
    const bytes = readFileSync(path);
    if (mode === 'whole') {
      applied += db.applyChanges(decodeBatch(bytes, path).changes).applied;
      continue;
    }
    const batch = openBatch(bytes, path);
    try {
      applied += db.applyChunks(batch.chunks()).applied;
    } finally {
      batch.close();
    }
  }
});
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
db.close();
const result: ApplyRun = { seconds, applied, maxRssBytes, startRssBytes };
process.send?.(result);
