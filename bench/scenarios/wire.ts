// Scenario 7: bytes on the wire per change. A batch file (gzipped SQLite) of
// 100,000 changes against the JSON-per-change layout of the first proposal:
// one JSON object per change, each gzipped on its own.

import { gzipSync } from 'node:zlib';
import { encodeBatch } from '../../src/main/engine/sync/batch-file';
import { syntheticChanges } from '../replicas';
import { figure, NOTE_COLUMNS, scaled, type Figure } from '../support';

const CHANGES = 100_000;
const AUTHOR = '019b7a3c-0000-7000-8000-000000000002';

export async function run(): Promise<Figure[]> {
  const changes = syntheticChanges(Math.round(scaled(CHANGES) / NOTE_COLUMNS.length), 7, AUTHOR);
  const batch = encodeBatch(changes, { dataset_uuid: '019b7a3c-0000-7000-8000-0000000000aa', author: AUTHOR, prev_sha256: '' });
  let perChange = 0;
  let jsonLines = '';
  for (const c of changes) {
    const json = JSON.stringify({
      id: c.id,
      transaction_id: c.transactionId,
      author: c.author,
      entity_type: c.entityType,
      entity_id: c.entityId,
      attribute: c.attribute,
      old_value: c.oldValue,
      new_value: c.newValue,
    });
    perChange += gzipSync(json).length;
    jsonLines += `${json}\n`;
  }
  const ndjson = gzipSync(jsonLines, { level: 6 }).length;
  const n = changes.length;
  return [
    figure({
      scenario: 'wire',
      figure: `batch file bytes per change (gzip, ${n.toLocaleString('en-US')} changes)`,
      unit: 'bytes/change',
      value: batch.bytes.length / n,
      baseline: perChange / n,
      baselineLabel: 'one gzipped JSON object per change',
      higherIsBetter: false,
      target: { kind: 'ratio-at-least', value: 2 },
      note: `${(batch.bytes.length / 1e6).toFixed(2)} MB; all changes as one gzipped NDJSON stream: ${(ndjson / n).toFixed(1)} B/change`,
    }),
  ];
}
