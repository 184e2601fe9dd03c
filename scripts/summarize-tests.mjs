// Prints the closing line CI reads ("N passed, N failed") from vitest's JSON
// report, and exits non-zero when anything failed or nothing ran.
import { readFileSync, existsSync } from 'node:fs';

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`No test report at ${file}: the test run did not finish.`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of report.testResults ?? []) {
  // A file that failed to load has no assertions but must count as a failure.
  if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  for (const test of suite.assertionResults ?? []) {
    if (test.status === 'passed') passed += 1;
    else if (test.status === 'failed') failed += 1;
    else skipped += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
