// Downloaded batches are checked on the file worker thread (file-worker.ts):
// what it hands back must be exactly what checking on this thread gives, its
// refusals the same typed errors, and a pull must go on when it is gone.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TidemarkError } from '../../src/shared/errors';
import type { Change } from '../../src/shared/types';
import { createHlc } from '../../src/main/engine/hlc';
import { encodeBatch, openPreparedBatch, prepareBatch, sortPlainBatch, stageBatch, type StagedBatch } from '../../src/main/engine/sync/batch-file';
import { sweepStaleIncoming } from '../../src/main/engine/sync/change-file';
import { fileWorkerState, stopFileWorker } from '../../src/main/engine/sync/file-worker';
import { sortWhileWaiting } from '../../src/main/engine/sync/shared-sort';

const DATASET = '0190f5a0-0000-7000-8000-0000000000f1';
const clock = createHlc({ now: () => Date.UTC(2026, 0, 1) });
const AUTHOR = clock.next();

/** Entities with several attributes each, some set twice, with names and values that test JSON and SQLite text. */
function sampleChanges(): Change[] {
  const transactionId = clock.next();
  const change = (entityType: string, entityId: string, attribute: string, newValue: string | null): Change => ({
    id: clock.next(),
    transactionId,
    author: AUTHOR,
    entityType,
    entityId,
    attribute,
    oldValue: null,
    newValue,
  });
  const changes: Change[] = [];
  for (let i = 0; i < 300; i++) {
    const id = `note-${i % 120}`;
    changes.push(change('notes', id, 'title', JSON.stringify(`title ${i}`)));
    changes.push(change('notes', id, 'rank', String(i)));
  }
  changes.push(change('notes', 'odd', 'with\u0000nul', '"a\\u0000b"'));
  changes.push(change('notes', 'odd', 'ünïcödé 😀', '"\\u0000 and \\" and 😀"'));
  changes.push(change('notes', 'odd', 'gone', null));
  changes.push(change('notes', 'odd', '"quoted"', '1.5e300'));
  changes.push(change('other table', 'odd', 'a', '{"$blob":"AAE="}'));
  return changes;
}

const bytes = encodeBatch(sampleChanges(), { dataset_uuid: DATASET, author: AUTHOR, prev_sha256: '' }).bytes;

/** `count` changes of 10,000 notes, four attributes each, in id order. */
function manyChanges(count: number): Change[] {
  const transactionId = clock.next();
  return Array.from({ length: count }, (_, i) => ({
    id: clock.next(),
    transactionId,
    author: AUTHOR,
    entityType: 'notes',
    entityId: `note-${String(i % 10_000).padStart(5, '0')}`,
    attribute: ['title', 'body', 'rank', 'score'][Math.floor(i / 10_000) % 4]!,
    oldValue: null,
    newValue: JSON.stringify(`value ${i}`),
  }));
}

/** A batch whose ZV_CHANGE is a view over a table of its own: reading it runs SQL of the file's author. */
function batchWithView(): Buffer {
  const db = new BetterSqlite3(gunzipSync(bytes));
  try {
    db.exec('ALTER TABLE ZV_CHANGE RENAME TO ZV_CHANGE_ROWS; CREATE VIEW ZV_CHANGE AS SELECT * FROM ZV_CHANGE_ROWS');
    return gzipSync(db.serialize());
  } finally {
    db.close();
  }
}

/** What a staged batch holds, in a comparable form. */
function contents(batch: StagedBatch) {
  const changes = [...batch.chunks()].flat();
  const latest = [...batch.latest()].map((entity) => ({ ...entity, latest: [...(entity.latest ?? [])].sort((a, b) => (a.attribute < b.attribute ? -1 : 1)) }));
  latest.sort((a, b) => (`${a.type}\0${a.id}` < `${b.type}\0${b.id}` ? -1 : 1));
  return { meta: batch.meta, changes, latest };
}

async function refusal(stage: () => Promise<unknown>): Promise<unknown> {
  try {
    await stage();
  } catch (error) {
    expect(error).toBeInstanceOf(TidemarkError);
    return (error as TidemarkError).detail;
  }
  throw new Error('the batch was accepted');
}

describe('the file worker', () => {
  afterAll(() => stopFileWorker());

  it('hands back what checking on this thread gives: metadata, changes and each entity’s newest values', async () => {
    const onWorker = await stageBatch(bytes, 'batches/a.db.gz', { latest: true });
    expect(fileWorkerState()).toBe('worker');
    const here = openPreparedBatch(await prepareBatch(bytes, 'batches/a.db.gz', { latest: false }), 'batches/a.db.gz');
    try {
      const expected = contents(here);
      expect(expected.latest.find((entity) => entity.id === 'odd')?.latest).toEqual([
        { attribute: '"quoted"', value: '1.5e300' },
        { attribute: 'gone', value: null },
        { attribute: 'with\u0000nul', value: '"a\\u0000b"' },
        { attribute: 'ünïcödé 😀', value: '"\\u0000 and \\" and 😀"' },
      ]);
      expect(expected.latest.find((entity) => entity.id === 'note-0')?.latest).toEqual([
        { attribute: 'rank', value: '240' },
        { attribute: 'title', value: '"title 240"' },
      ]);
      expect(contents(onWorker)).toEqual(expected);
    } finally {
      onWorker.close();
      here.close();
    }
    expect(existsSync(dirname(onWorker.path))).toBe(false); // close() leaves nothing in the temp folder
  });

  it('refuses a damaged batch with the same error as this thread', async () => {
    const cut = bytes.subarray(0, bytes.length - 40);
    const broken = gzipSync(Buffer.from('SQLite format 3\0 and then nothing a database holds'));
    for (const bad of [cut, broken]) {
      const onWorker = await refusal(() => stageBatch(bad, 'batches/bad.db.gz', { latest: true }));
      expect(onWorker).toMatchObject({ kind: 'corrupt-file', file: 'batches/bad.db.gz' });
      expect(onWorker).toEqual(await refusal(() => prepareBatch(bad, 'batches/bad.db.gz', { latest: true })));
    }
    expect(fileWorkerState()).toBe('worker');
  });

  it('while this thread waits for a file, it sorts the file’s newest values beside the worker’s checks, with the same result', async () => {
    const big = encodeBatch(manyChanges(40_000), { dataset_uuid: DATASET, author: AUTHOR, prev_sha256: '' }).bytes;
    const staging = stageBatch(big, 'batches/shared.db.gz', { latest: true });
    await sortWhileWaiting(staging); // the worker inflates it, then checks 40,000 rows: this thread takes the sort meanwhile
    const shared = await staging;
    const onWorker = await stageBatch(big, 'batches/shared.db.gz', { latest: true }); // no one waiting: the worker sorts
    try {
      expect(shared.sortedHere).toBe(true);
      expect(onWorker.sortedHere).toBe(false);
      const expected = contents(onWorker);
      expect(expected.latest).toHaveLength(10_000);
      expect(contents(shared)).toEqual(expected);
    } finally {
      shared.close();
      onWorker.close();
    }
    expect(existsSync(dirname(shared.path))).toBe(false);
  });

  it('a file refused while this thread waited and sorted it: the checks’ error, as on one thread', async () => {
    const badValue = encodeBatch([...manyChanges(40_000), { ...manyChanges(1)[0]!, id: clock.next(), newValue: '{not json' }], {
      dataset_uuid: DATASET,
      author: AUTHOR,
      prev_sha256: '',
    }).bytes;
    for (const bad of [badValue, batchWithView()]) {
      const staging = stageBatch(bad, 'batches/refused.db.gz', { latest: true });
      await sortWhileWaiting(staging);
      const shared = await refusal(() => staging);
      expect(shared).toMatchObject({ kind: 'corrupt-file', file: 'batches/refused.db.gz' });
      expect(shared).toEqual(await refusal(() => prepareBatch(bad, 'batches/refused.db.gz', { latest: true })));
    }
  });

  it('the sort on this thread refuses a file that is not plain tables before running any SQL of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-sort-here-'));
    try {
      const path = join(dir, 'changes.db');
      writeFileSync(path, gunzipSync(batchWithView()));
      expect(() => sortPlainBatch(path, 'batches/view.db.gz')).toThrow(/holds a (view|table)/);
      expect(existsSync(join(dir, 'latest.db'))).toBe(false); // reading ZV_CHANGE, a view, would have written it
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks batches on the worker in a process started through tsx, as the CLI is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-stage-child-'));
    try {
      const file = join(dir, 'batch.db.gz');
      writeFileSync(file, bytes);
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../support/stage-child.ts', import.meta.url)), file], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({ where: 'worker', changes: 605, entities: 122 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the worker is gone, the work in flight and all later work run on this thread', async () => {
    const inFlight = stageBatch(bytes, 'batches/b.db.gz', { latest: true });
    await stopFileWorker();
    const later = stageBatch(bytes, 'batches/c.db.gz', { latest: true });
    expect(fileWorkerState()).toBe('this thread');
    for (const staged of await Promise.all([inFlight, later])) {
      try {
        expect(contents(staged).changes).toHaveLength(605);
      } finally {
        staged.close();
      }
    }
  });
});

describe('a staged batch', () => {
  it('leaves nothing in the temp folder when closed, even while a read of it is still running', async () => {
    const staged = await stageBatch(bytes, 'batches/open.db.gz', { latest: true });
    const reading = staged.chunks(10)[Symbol.iterator]();
    expect(reading.next().done).toBe(false); // its connection is busy with this read
    expect(() => staged.close()).toThrow(/busy/);
    expect(existsSync(dirname(staged.path))).toBe(false);
  });
});

describe('incoming folders a crashed process left behind', () => {
  it('are deleted when they are more than a day old; recent ones, perhaps another pull’s, stay', async () => {
    const old = mkdtempSync(join(tmpdir(), 'tidemark-incoming-'));
    const recent = mkdtempSync(join(tmpdir(), 'tidemark-incoming-'));
    writeFileSync(join(old, 'download.gz'), 'left by a process that died');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    try {
      await sweepStaleIncoming();
      expect(existsSync(old)).toBe(false);
      expect(existsSync(recent)).toBe(true);
    } finally {
      rmSync(old, { recursive: true, force: true });
      rmSync(recent, { recursive: true, force: true });
    }
  });
});
