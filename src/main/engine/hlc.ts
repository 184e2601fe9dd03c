// Hybrid logical clock that yields UUIDv7 ids (DESIGN.md section 1).
//
// Layout of the 128 bits: 48-bit millisecond field | version 7 | 42-bit
// counter split over rand_a (12 bits) and the top of rand_b (30 bits) |
// 32 random bits. Lowercase hex of fixed width means string order equals
// (ms, counter, random) order, so ids sort causally as plain strings.

import { getRandomValues } from 'node:crypto';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can set and move by hand. */
export function createManualClock(start = Date.UTC(2026, 0, 1)): Clock & {
  set(ms: number): void;
  advance(ms: number): void;
} {
  let current = start;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

const COUNTER_BITS = 42;
const COUNTER_MAX = 2 ** COUNTER_BITS - 1;
const COUNTER_LOW = 2 ** 30;
/** A fresh millisecond starts its counter in the lower half, leaving room to count. */
const COUNTER_START_RANGE = 2 ** (COUNTER_BITS - 1);
const MAX_MS = 2 ** 48 - 1;

/** Ids further ahead of the wall clock than this earn a warning when observed. */
export const CLOCK_SKEW_WARNING_MS = 5 * 60 * 1000;

export interface ClockWarning {
  kind: 'clock-ahead';
  id: string;
  aheadMs: number;
}

export interface Hlc {
  /** A new id, greater than every id made or observed before. */
  next(): string;
  /** Records an id seen from elsewhere so later ids sort after it. */
  observe(id: string): ClockWarning | null;
  /** The millisecond field of the latest id made or observed. */
  lastMs(): number;
}

export function createHlc(options: { now: () => number; seen?: string | null }): Hlc {
  const random = createRandomPool();
  let lastMs = 0;
  let counter = 0;
  // The time part of the id changes once per millisecond, not once per id.
  let prefixMs = -1;
  let prefix = '';

  const observe = (id: string): ClockWarning | null => {
    const parsed = parseUuid7(id);
    if (parsed === null) return null;
    if (parsed.ms > lastMs || (parsed.ms === lastMs && parsed.counter > counter)) {
      lastMs = parsed.ms;
      counter = parsed.counter;
    }
    const aheadMs = parsed.ms - options.now();
    return aheadMs > CLOCK_SKEW_WARNING_MS ? { kind: 'clock-ahead', id, aheadMs } : null;
  };

  if (options.seen) observe(options.seen);

  return {
    next() {
      const wall = Math.min(Math.floor(options.now()), MAX_MS);
      if (wall > lastMs) {
        lastMs = wall;
        counter = Math.floor(random() * COUNTER_START_RANGE);
      } else if (counter >= COUNTER_MAX) {
        // A 42-bit counter ran out within one millisecond: borrow the next one.
        lastMs += 1;
        counter = Math.floor(random() * COUNTER_START_RANGE);
      } else {
        counter += 1;
      }
      if (lastMs !== prefixMs) {
        prefixMs = lastMs;
        prefix = timePrefix(lastMs);
      }
      return prefix + counterAndRandom(counter, Math.floor(random() * 2 ** 32));
    },
    observe,
    lastMs: () => lastMs,
  };
}

export function formatUuid7(ms: number, counter: number, random32: number): string {
  return timePrefix(ms) + counterAndRandom(counter, random32);
}

// Ids are made a million at a time when a large import is captured: format
// them from a table of hex pairs (about 8x faster than toString/padStart).
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_DIGITS = '0123456789abcdef';

/** `tttttttt-tttt-7`: the 48-bit millisecond field and the version digit. */
function timePrefix(ms: number): string {
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7`;
}

/** `ccc-vccc-ccccrrrrrrrr`: the 42-bit counter (variant bits 0b10 above its low 30) and 32 random bits. */
function counterAndRandom(counter: number, random32: number): string {
  const high12 = Math.floor(counter / COUNTER_LOW);
  const upper = (0x80000000 + (counter % COUNTER_LOW)) >>> 0;
  const lower = random32 >>> 0;
  return (
    HEX_DIGITS[high12 >> 8]! +
    HEX_PAIRS[high12 & 255]! +
    '-' +
    HEX_PAIRS[upper >>> 24]! +
    HEX_PAIRS[(upper >>> 16) & 255]! +
    '-' +
    HEX_PAIRS[(upper >>> 8) & 255]! +
    HEX_PAIRS[upper & 255]! +
    HEX_PAIRS[lower >>> 24]! +
    HEX_PAIRS[(lower >>> 16) & 255]! +
    HEX_PAIRS[(lower >>> 8) & 255]! +
    HEX_PAIRS[lower & 255]!
  );
}

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuid7(value: string): boolean {
  return UUID7.test(value);
}

export function parseUuid7(id: string): { ms: number; counter: number } | null {
  if (!isUuid7(id)) return null;
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  const high12 = parseInt(id.slice(15, 18), 16);
  const upper = parseInt(id.slice(19, 23) + id.slice(24, 28), 16);
  return { ms, counter: high12 * COUNTER_LOW + (upper & 0x3fffffff) };
}

/** The millisecond time an id was stamped with, or null for a foreign id. */
export function timeOfId(id: string): number | null {
  return parseUuid7(id)?.ms ?? null;
}

/** The smallest id of a millisecond: a bound for time-range queries. */
export function lowestIdAt(ms: number): string {
  const time = Math.max(0, Math.min(MAX_MS, Math.floor(ms))).toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7000-8000-000000000000`;
}

// crypto.getRandomValues per id is slow at a million ids; draw in blocks.
function createRandomPool(): () => number {
  const pool = new Uint32Array(1024);
  let index = pool.length;
  return () => {
    if (index === pool.length) {
      getRandomValues(pool);
      index = 0;
    }
    return pool[index++]! / 2 ** 32;
  };
}
