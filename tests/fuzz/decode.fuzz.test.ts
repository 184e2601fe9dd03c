// Fuzz the two decoders of remote files with thousands of hostile inputs
// (hostile-files.ts): random bytes, truncated gzip, bit flips, SQLite files with
// the wrong schema (views that compute or never end, generated columns,
// triggers), newer formats, hostile names and values, absurd JSON. A decoder
// answers with its result or with a TidemarkError a person can act on
// (corrupt-file, newer-format; a head of another dataset: dataset-mismatch),
// never another exception, never a hang, never a crash. What it accepts must
// be safe to apply: ids in range, one author, values a SQLite cell can hold.
// TIDEMARK_FUZZ_RUNS=N runs N inputs per decoder (default 2500).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../support/engine-fixtures';
import { TidemarkError } from '../../src/shared/errors';
import { decodeBatch, stageBatch } from '../../src/main/engine/sync/batch-file';
import { decodeHead } from '../../src/main/engine/sync/head';
import { isUuid7 } from '../../src/main/engine/hlc';
import { decodeValue } from '../../src/main/engine/values';
import { AUTHOR, DATASET, REPLICA, batchFile, headFile, hostileNames, hostileValues, isEndless, oddValues, sqliteFile, validBatch, wrongSchemas } from './hostile-files';

const runs = Number(process.env.TIDEMARK_FUZZ_RUNS ?? 2500);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The decoder's error, or null when it decoded; anything but a typed error fails. */
function outcomeOf(decode: () => unknown, allowed: readonly string[]): string | null {
  try {
    decode();
    return null;
  } catch (error) {
    if (!(error instanceof TidemarkError)) throw new Error(`untyped ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    if (!allowed.includes(error.detail.kind)) throw new Error(`unexpected kind ${error.detail.kind}: ${error.message}`);
    return error.detail.kind;
  }
}

/** A value the materializer will bind into a SQLite cell. */
function expectStorable(text: string | null): void {
  if (text === null) return;
  const value = decodeValue(text);
  if (typeof value === 'bigint') expect(value >= INT64_MIN && value <= INT64_MAX, text).toBe(true);
}

describe('decodeBatch on hostile files', () => {
  it(`${runs} mutated batch files: a decoded batch or corrupt-file / newer-format, nothing else`, () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(batchFile(), ({ kind, bytes }) => {
        let decoded: ReturnType<typeof decodeBatch> | undefined;
        const outcome = outcomeOf(() => (decoded = decodeBatch(bytes, 'batches/fuzz.db.gz')), ['corrupt-file', 'newer-format']);
        seen.set(`${kind} -> ${outcome ?? 'decoded'}`, (seen.get(`${kind} -> ${outcome ?? 'decoded'}`) ?? 0) + 1);
        if (kind === 'valid') expect(outcome).toBeNull();
        if (kind === 'newer format') expect(outcome).toBe('newer-format');
        if (!decoded) return;
        const { meta, changes } = decoded;
        expect(changes).toHaveLength(meta.count);
        for (const change of changes) {
          expect(isUuid7(change.id)).toBe(true);
          expect(change.id >= meta.first && change.id <= meta.last).toBe(true);
          expect(change.author).toBe(meta.author);
          for (const text of [change.entityType, change.entityId, change.attribute]) expect(typeof text).toBe('string');
          expectStorable(change.newValue);
          expectStorable(change.oldValue);
        }
      }),
      { numRuns: runs },
    );
    // Every kind of damage was tried.
    const kinds = new Set([...seen.keys()].map((k) => k.split(' -> ')[0]!.replace(/^wrong schema: .*/, 'wrong schema')));
    expect(kinds.size).toBeGreaterThanOrEqual(13);
  });

  it.each(Object.keys(wrongSchemas).filter((name) => !isEndless(name)))('wrong schema "%s": corrupt-file, and no SQL of the file runs', (name) => {
    // Views and generated columns are SQL of the file's author: querying them
    // would run it. The file must be refused before any of its tables is read.
    expect(outcomeOf(() => decodeBatch(sqliteFile(wrongSchemas[name]!), 'batches/fuzz.db.gz'), ['corrupt-file'])).toBe('corrupt-file');
  });

  it('views that never end are refused without being queried (in a child process that is killed if it hangs)', async () => {
    const names = Object.keys(wrongSchemas).filter(isEndless);
    expect(names.length).toBeGreaterThanOrEqual(2);
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-endless-'));
    try {
      const files = names.map((name, i) => {
        const file = join(dir, `${i}.db.gz`);
        writeFileSync(file, sqliteFile(wrongSchemas[name]!));
        return file;
      });
      const { lines, hung } = await decodeInChild(files);
      expect(hung, `the decoder hung after ${lines.length} of ${names.length} files`).toBe(false);
      expect(lines).toEqual(names.map(() => 'corrupt-file'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it.each(hostileValues)('a value %j that no SQLite cell holds is refused as corrupt-file', (value) => {
    expect(outcomeOf(() => decodeBatch(batchWith('notes', value), 'batches/fuzz.db.gz'), ['corrupt-file'])).toBe('corrupt-file');
  });

  it.each(oddValues)('an odd but valid value %j is data, decoded as is and storable', (value) => {
    const decoded = decodeBatch(batchWith('notes', value), 'batches/fuzz.db.gz');
    expect(decoded.changes[0]!.newValue).toBe(value);
    expectStorable(value);
  });

  it.each(hostileNames.map((n) => [n.length > 40 ? `${n.slice(0, 20)}… (${n.length} chars)` : n, n]))(
    'a hostile name %j is data, decoded as is',
    (_label, name) => {
      const decoded = decodeBatch(batchWith(name, '1'), 'batches/fuzz.db.gz');
      expect(decoded.changes[0]).toMatchObject({ entityType: name, attribute: name, entityId: name });
    },
  );
});

// A pull reads batches through stageBatch (inflated to a temp file) and
// applies them with db.applyFile: a joining device copies the rows inside
// SQLite, checking each in the same read (change-file.ts); a device holding
// data reads them as decodeBatch does. Either way a file must be refused
// exactly when decodeBatch refuses it, and a refused file leaves nothing behind.
describe('applying a staged batch agrees with decodeBatch', () => {
  let ws: Workspace;
  beforeAll(() => {
    ws = createWorkspace('tidemark-fuzz-apply-');
  });
  afterAll(() => ws.cleanup());
  let opened = 0;

  /** The outcome of staging and applying `bytes`, into a fresh database or one that holds a change. */
  const appliedOutcome = async (bytes: Buffer, holding: boolean): Promise<string | null> => {
    const db = ws.open(`fuzz-${opened++}.db`);
    db.sqlite.pragma('synchronous = OFF');
    try {
      if (holding) {
        db.sqlite.exec('CREATE TABLE held (id TEXT PRIMARY KEY, a)');
        db.track(['held']);
        db.write([{ op: 'put', table: 'held', id: 'x', values: { a: 1 } }]);
      }
      const before = db.sqlite.prepare('SELECT count(*) FROM ZV_CHANGE').pluck().get() as number;
      let staged: Awaited<ReturnType<typeof stageBatch>> | undefined;
      try {
        staged = await stageBatch(bytes, 'batches/fuzz.db.gz', { latest: db.joining() }); // as a pull stages it
        const result = db.applyFile(staged);
        db.endBulkLoad();
        expect(result.applied + result.duplicates).toBe(staged.meta.count);
        return null;
      } catch (error) {
        if (!(error instanceof TidemarkError)) throw new Error(`untyped ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
        db.endBulkLoad();
        expect(db.sqlite.prepare('SELECT count(*) FROM ZV_CHANGE').pluck().get()).toBe(before); // nothing applied
        return error.detail.kind;
      } finally {
        staged?.close();
      }
    } finally {
      db.close();
    }
  };
  const decodedOutcome = (bytes: Buffer) => outcomeOf(() => decodeBatch(bytes, 'batches/fuzz.db.gz'), ['corrupt-file', 'newer-format']);

  it(`${Math.ceil(runs / 10)} mutated batch files, into a joining device and into one holding data: the same outcome as decodeBatch`, async () => {
    await fc.assert(
      fc.asyncProperty(batchFile(), async ({ bytes }) => {
        const expected = decodedOutcome(bytes);
        expect(await appliedOutcome(bytes, false)).toBe(expected);
        expect(await appliedOutcome(bytes, true)).toBe(expected);
      }),
      { numRuns: Math.ceil(runs / 10) },
    );
  }, 120_000);

  // Values on the edges of the shapes SQLite decides by itself (a NUL that GLOB
  // and json_valid do not see past, spaces, signs, leading zeros, 64 bits).
  const edges = ['"a"\u0000', '"a\u0000b"', '12\u00003', '1\u0000', ' 1', '1 ', '+1', '01', '1.', '.5', '1e5', '1E+2', '-0', '-1.5e-3',
    '123456789012345678', '999999999999999999', '9223372036854775807', '9223372036854775808', '"x" ', ' "x"', '"\\ud800"', '"unterminated', 'nul', 'true', '[1]', '{"$blob":"AA=="}', '{"$blob":"A"}'];
  it.each([...hostileValues, ...oddValues, ...edges].map((v) => [JSON.stringify(v), v]))('value %s: the same outcome as decodeBatch', async (_label, value) => {
    const bytes = batchWith('notes', value);
    expect(await appliedOutcome(bytes, false)).toBe(decodedOutcome(bytes));
  });
});

describe('decodeHead on hostile heads', () => {
  const expected = { replica: REPLICA, datasetUuid: DATASET };

  it(`${runs} mutated heads: a decoded head or corrupt-file / newer-format / dataset-mismatch, nothing else`, () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(headFile(), ({ kind, bytes }) => {
        let decoded: ReturnType<typeof decodeHead> | undefined;
        const outcome = outcomeOf(() => (decoded = decodeHead(bytes, `replicas/${REPLICA}.json`, expected)), ['corrupt-file', 'newer-format', 'dataset-mismatch']);
        seen.add(kind.replace(/^field .*/, 'field'));
        if (kind === 'valid') expect(outcome).toBeNull();
        if (kind === 'newer format') expect(outcome).toBe('newer-format');
        if (kind === 'another dataset') expect(outcome).toBe('dataset-mismatch');
        if (!decoded) return;
        expect(decoded.head.replica).toBe(REPLICA);
        expect(Buffer.isBuffer(decoded.signed)).toBe(true);
        expect(Object.prototype).not.toHaveProperty('polluted');
      }),
      { numRuns: runs },
    );
    expect(seen.size).toBeGreaterThanOrEqual(15);
  });
});

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Decodes files in a child process; a child silent for a minute is killed and reported as hung. */
function decodeInChild(files: string[]): Promise<{ lines: string[]; hung: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./decode-child.ts', import.meta.url)), ...files], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let hung = false;
    let watchdog = setTimeout(() => ((hung = true), child.kill('SIGKILL')), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      clearTimeout(watchdog); // progress: a minute more for the next file
      watchdog = setTimeout(() => ((hung = true), child.kill('SIGKILL')), 60_000);
    });
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(watchdog);
      resolve({ lines: out.split('\n').filter(Boolean), hung });
    });
  });
}

/** A batch as a push writes it, with one change whose names and value are given. */
function batchWith(name: string, value: string): Buffer {
  const [transactionId, id] = ['0190f5a0-0000-7000-8000-0000000000c0', '0190f5a0-0000-7000-8000-0000000000c1'];
  return validBatch([{ id, transactionId, author: AUTHOR, entityType: name, entityId: name, attribute: name, oldValue: null, newValue: value }]);
}
