// Scenario 6: history on a 1,000,000-change log (the one scenario 1 captured,
// or a new one): the first page, a page 900,000 changes deep reached by its
// cursor, and one entity's timeline (an entity changed 1,000 times).
// Baseline: the plainest SQL for the same page, without the join to authors.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/main/engine/database';
import { figure, medianMs, NOTE_COLUMNS, scaled, type Figure } from '../support';
import { createBenchDatabase, insertRaw, noteRows } from './capture';

const CHANGES = 1_000_000;
const DEEP = 900_000;
const TIMELINE = 1000;
const RUNS = 21;

export async function run(workDir: string): Promise<Figure[]> {
  const file = join(workDir, 'capture-sql.db');
  if (!existsSync(file)) {
    const db = createBenchDatabase(file, 'history');
    insertRaw(file, 'notes', noteRows(Math.round(scaled(CHANGES) / NOTE_COLUMNS.length)));
    db.refresh();
    db.close();
  }
  const db = openDatabase(file);
  const entity = db.sqlite.prepare('SELECT id FROM notes ORDER BY rowid LIMIT 1 OFFSET 1000').pluck().get() as string;
  const update = db.sqlite.prepare('UPDATE notes SET rank = ? WHERE id = ?');
  db.sqlite.transaction(() => {
    for (let i = 0; i < TIMELINE; i++) update.run(1_000_000 + i, entity);
  })();
  db.refresh();
  const total = db.sqlite.prepare('SELECT count(*) FROM ZV_CHANGE').pluck().get() as number;
  const deep = Math.min(scaled(DEEP), total - 101);
  const cursor = db.sqlite.prepare('SELECT id FROM ZV_CHANGE ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(deep) as string;

  const first = medianMs(RUNS, () => db.history({ limit: 100 }));
  const deepPage = medianMs(RUNS, () => {
    const page = db.history({ before: cursor, limit: 100 });
    if (page.entries.length !== 100) throw new Error('short page');
  });
  const timeline = medianMs(RUNS, () => {
    const page = db.history({ table: 'notes', entityId: entity, limit: 100 });
    if (page.entries.length !== 100) throw new Error('short timeline');
  });
  const raw = db.sqlite.prepare('SELECT * FROM ZV_CHANGE WHERE id < ? ORDER BY id DESC LIMIT 100');
  const rawEntity = db.sqlite.prepare('SELECT * FROM ZV_CHANGE WHERE entity_type = ? AND entity_id = ? ORDER BY id DESC LIMIT 100');
  const rawFirst = medianMs(RUNS, () => raw.all('\uffff'));
  const rawDeep = medianMs(RUNS, () => raw.all(cursor));
  const rawTimeline = medianMs(RUNS, () => rawEntity.all('notes', entity));
  db.close();

  const log = `${total.toLocaleString('en-US')}-change log`;
  const target = { kind: 'below', value: 50 } as const;
  const baselineLabel = 'plain SELECT of the same page';
  return [
    figure({ scenario: 'history', figure: `first page of 100, ${log} (ms)`, unit: 'ms', value: first, baseline: rawFirst, baselineLabel, higherIsBetter: false, target }),
    figure({ scenario: 'history', figure: `page ${deep.toLocaleString('en-US')} deep by cursor (ms)`, unit: 'ms', value: deepPage, baseline: rawDeep, baselineLabel, higherIsBetter: false, target }),
    figure({ scenario: 'history', figure: `one entity's timeline (${TIMELINE + NOTE_COLUMNS.length} changes), page of 100 (ms)`, unit: 'ms', value: timeline, baseline: rawTimeline, baselineLabel, higherIsBetter: false, target }),
  ];
}
