// Decodes batch files in a process of its own, for the tests whose failure mode
// is a hang (a view of the file that never ends): the parent kills a child that
// does not answer, so a regression fails the test instead of freezing the run.
//   node --import tsx tests/fuzz/decode-child.ts <file>...
// Prints one line per file: "decoded", the TidemarkError kind, or "untyped <message>".

import { readFileSync, writeSync } from 'node:fs';
import { decodeBatch } from '../../src/main/engine/sync/batch-file';
import { TidemarkError } from '../../src/shared/errors';

for (const file of process.argv.slice(2)) {
  let outcome: string;
  try {
    decodeBatch(readFileSync(file), file);
    outcome = 'decoded';
  } catch (error) {
    outcome = error instanceof TidemarkError ? error.detail.kind : `untyped ${String((error as Error)?.message ?? error)}`;
  }
  writeSync(1, `${outcome}\n`);
}
