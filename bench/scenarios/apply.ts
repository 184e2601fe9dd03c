// Scenario 2: apply. 1,000,000 remote changes arriving as batch files, merged
// the way pull.ts merges them (stageBatch + db.applyFile, one transaction per
// file), against raw inserts of the same change rows into an untracked table
// of the same columns (one transaction per batch file).
//
// The batch files are the ones the three replicas of scenario 3 pushed (read
// back from the S3 test server), or made here when that scenario did not run.
// Two replicas apply them, each in a process of its own (for its peak RSS): a
// fresh one, as a device joining the dataset (bulk load, bulk-load.ts), and
// one that already holds a change of its own, where every change takes the
// careful path (conflict check, rows read back from the log).

import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { NEW_DATABASE_PAGE_SIZE } from '../../src/main/engine/database';
import { createS3Remote, type S3RemoteOptions } from '../../src/main/engine/remote';
import { decodeBatch, encodeBatch, MAX_BATCH_CHANGES } from '../../src/main/engine/sync/batch-file';
import { syntheticChanges } from '../replicas';
import { figure, mb, NOTE_COLUMNS, scaled, time, type Figure } from '../support';

const CHANGES = 1_000_000;
const AUTHOR = '019b7a3c-0000-7000-8000-000000000001';

export interface ApplyRun {
  seconds: number;
  applied: number;
  maxRssBytes: number;
  startRssBytes: number;
}

export async function run(workDir: string): Promise<Figure[]> {
  const files = await batchFiles(workDir);
  const paths = files.map((bytes, i) => {
    const path = join(workDir, `apply-batch-${i}.db.gz`);
    writeFileSync(path, bytes);
    return path;
  });
  // Each file as path:count, the count a head lists: the pipeline's budget (pull.ts CHANGES_AHEAD) reads it.
  const counts = files.map((bytes, i) => decodeBatch(bytes, paths[i]!).meta.count);
  const total = counts.reduce((n, count) => n + count, 0);
  const batches = paths.map((path, i) => `${path}:${counts[i]}`);
  const baselineSeconds = rawInsert(join(workDir, 'apply-raw.db'), files);
  files.length = 0;

  const joining = await applyInChild(join(workDir, 'apply-join.db'), 'join', batches);
  const holding = await applyInChild(join(workDir, 'apply-holding.db'), 'holding', batches);
  for (const result of [joining, holding]) if (result.applied !== total) throw new Error(`applied ${result.applied} of ${total}`);

  const label = `${total.toLocaleString('en-US')} changes from ${paths.length} batch files`;
  const baselineLabel = 'raw INSERT of the change rows into an untracked table';
  const raw = total / baselineSeconds;
  return [
    figure({
      scenario: 'apply',
      figure: `apply ${label} into a fresh replica, as pull.ts does (changes/s)`,
      unit: 'changes/s',
      value: total / joining.seconds,
      baseline: raw,
      baselineLabel,
      target: { kind: 'ratio-at-least', value: 1 / 3 },
      note: `${joining.seconds.toFixed(1)} s, raw ${baselineSeconds.toFixed(1)} s; peak RSS ${mb(joining.maxRssBytes).toFixed(0)} MB (${mb(joining.startRssBytes).toFixed(0)} MB before)`,
    }),
    figure({
      scenario: 'apply',
      figure: `apply ${label} into a replica holding changes of its own (changes/s)`,
      unit: 'changes/s',
      value: total / holding.seconds,
      baseline: raw,
      baselineLabel,
      target: { kind: 'none' },
      note: `${holding.seconds.toFixed(1)} s; peak RSS ${mb(holding.maxRssBytes).toFixed(0)} MB (${mb(holding.startRssBytes).toFixed(0)} MB before); the careful path every change takes once a replica holds data`,
    }),
  ];
}

/** The batch files scenario 3 pushed, or a million synthetic changes of one author. */
async function batchFiles(workDir: string): Promise<Buffer[]> {
  const bucketFile = join(workDir, 'pull-bucket.json');
  if (existsSync(bucketFile)) {
    const remote = createS3Remote(JSON.parse(readFileSync(bucketFile, 'utf8')) as S3RemoteOptions);
    try {
      const files: Buffer[] = [];
      for (const object of await remote.list('batches/')) {
        const got = await remote.get(object.key);
        if (got.status === 'ok') files.push(Buffer.from(got.body));
      }
      if (files.length > 0) return files;
    } finally {
      remote.close();
    }
  }
  const changes = syntheticChanges(Math.round(scaled(CHANGES) / NOTE_COLUMNS.length), 2, AUTHOR);
  const files: Buffer[] = [];
  for (let i = 0; i < changes.length; i += MAX_BATCH_CHANGES) {
    files.push(encodeBatch(changes.slice(i, i + MAX_BATCH_CHANGES), { dataset_uuid: 'bench', author: AUTHOR, prev_sha256: '' }).bytes);
  }
  return files;
}

/** Raw inserts of every file's change rows, one transaction per file. */
function rawInsert(file: string, files: readonly Buffer[]): number {
  const sqlite = new BetterSqlite3(file);
  try {
    sqlite.pragma(`page_size = ${NEW_DATABASE_PAGE_SIZE}`); // as a database the engine creates
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec(`CREATE TABLE raw_change (id TEXT, transaction_id TEXT, author TEXT, entity_type TEXT, entity_id TEXT,
      attribute TEXT, old_value TEXT, new_value TEXT)`);
    const insert = sqlite.prepare('INSERT INTO raw_change VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const batches = files.map((bytes, i) => decodeBatch(bytes, `batch-${i}`).changes);
    return time(() => {
      for (const changes of batches) {
        sqlite.transaction(() => {
          for (const c of changes) insert.run(c.id, c.transactionId, c.author, c.entityType, c.entityId, c.attribute, c.oldValue, c.newValue);
        })();
      }
    }).seconds;
  } finally {
    sqlite.close();
  }
}

function applyInChild(file: string, mode: 'join' | 'holding', batches: string[]): Promise<ApplyRun> {
  const script = fileURLToPath(new URL('./apply-device.ts', import.meta.url));
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`, `--cpu-prof-name=apply-${mode}.cpuprofile`] : [];
  return new Promise((resolve, reject) => {
    const child = fork(script, [file, mode, ...batches], { execArgv: ['--import', 'tsx', ...profile] });
    let result: ApplyRun | undefined;
    child.on('message', (message) => {
      result = message as ApplyRun;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`apply-device exited with ${code}`))));
  });
}
