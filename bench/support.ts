// Shared pieces of the benchmark: scale, deterministic data, timers, a
// file-backed SecretStore (so a child process can sync as a device set up by
// another process), and the result rows every scenario reports.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretStore } from '../src/main/engine/secrets/secret-store';

/** BENCH_SCALE=0.1 runs everything ten times smaller, for quick iteration. */
export const SCALE = Number(process.env.BENCH_SCALE ?? '1') || 1;

export function scaled(n: number): number {
  return Math.max(1, Math.round(n * SCALE));
}

/** How a figure compares with its target. */
export type Target =
  | { kind: 'ratio-at-least'; value: number }
  | { kind: 'at-most'; value: number }
  | { kind: 'below'; value: number }
  | { kind: 'none' };

export interface Figure {
  scenario: string;
  figure: string;
  unit: string;
  value: number;
  /** What the same work costs done the plainest way, measured in the same run. */
  baseline: number | null;
  baselineLabel: string;
  /** For throughput: value / baseline; for costs: baseline / value (higher is better). */
  ratio: number | null;
  target: Target;
  pass: boolean | null;
  note?: string;
}

export function figure(input: Omit<Figure, 'ratio' | 'pass'> & { higherIsBetter?: boolean }): Figure {
  const { higherIsBetter = true, ...rest } = input;
  const ratio =
    rest.baseline === null || rest.baseline === 0 || rest.value === 0
      ? null
      : higherIsBetter
        ? rest.value / rest.baseline
        : rest.baseline / rest.value;
  let pass: boolean | null = null;
  if (rest.target.kind === 'ratio-at-least') pass = ratio !== null && ratio >= rest.target.value;
  if (rest.target.kind === 'at-most') pass = rest.value <= rest.target.value;
  if (rest.target.kind === 'below') pass = rest.value < rest.target.value;
  return { ...rest, ratio, pass };
}

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

export function now(): bigint {
  return process.hrtime.bigint();
}

export async function timeAsync<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = now();
  const value = await work();
  return { value, seconds: seconds(started) };
}

export function time<T>(work: () => T): { value: T; seconds: number } {
  const started = now();
  const value = work();
  return { value, seconds: seconds(started) };
}

/** Median of `runs` timings of `work`, in milliseconds (after one warm-up run). */
export function medianMs(runs: number, work: () => unknown): number {
  work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = now();
    work();
    times.push(Number(now() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function tempDir(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), `tidemark-bench-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random numbers (mulberry32), so every run writes the same data. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we ' +
  'when your can said there use an each which she do how their if will up other about out many then them these so some her would make like ' +
  'him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day ' +
  'did get come made may part meeting budget garden invoice travel recipe project review draft notes plan weekly idea list shopping call ' +
  'friday monday berlin lisbon tokyo ticket hotel dinner coffee paper chapter summary question answer follow decision release'
).split(' ');

/** Rows of the benchmark's notes table: a text key and four attributes, like a small app's data. */
export const NOTES_TABLE = 'CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT, body TEXT, rank INTEGER, score REAL)';
export const NOTE_COLUMNS = ['title', 'body', 'rank', 'score'] as const;

export interface NoteRow {
  id: string;
  title: string;
  body: string;
  rank: number;
  score: number;
}

export function createNoteGenerator(seed: number) {
  const random = createRandom(seed);
  const hex = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += ((random() * 16) | 0).toString(16);
    return out;
  };
  const words = (min: number, max: number) => {
    const n = min + Math.floor(random() * (max - min + 1));
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
    return out.join(' ');
  };
  return {
    /** A random UUIDv4, as apps make keys (crypto.randomUUID). */
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`,
    note(): NoteRow {
      return {
        id: this.uuid(),
        title: words(2, 6),
        body: words(8, 24),
        rank: Math.floor(random() * 10_000),
        score: Math.round(random() * 1e6) / 1e3 + 0.5,
      };
    },
    words,
    random,
  };
}

/** A SecretStore in a JSON file: lets a child process be the same device as its parent. */
export function createFileSecretStore(path: string): SecretStore {
  const all: Record<string, string> = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  const save = () => writeFileSync(path, JSON.stringify(all));
  return {
    get: async (account) => all[account] ?? null,
    set: async (account, secret) => {
      all[account] = secret;
      save();
    },
    delete: async (account) => {
      if (!(account in all)) return false;
      delete all[account];
      save();
      return true;
    },
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export function mb(bytes: number): number {
  return bytes / (1024 * 1024);
}
