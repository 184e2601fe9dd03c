// DESIGN.md section 1, ids: UUIDv7 from a hybrid logical clock that is never
// behind the wall clock nor any id seen, and strictly increasing.

import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_WARNING_MS,
  createHlc,
  createManualClock,
  formatUuid7,
  isUuid7,
  lowestIdAt,
  timeOfId,
} from '../../src/main/engine/hlc';
import { createWorkspace, UUID7 } from '../support/engine-fixtures';

const T0 = Date.UTC(2026, 0, 15, 9, 30);

function expectStrictlyIncreasing(ids: string[]): void {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i - 1]! < ids[i]!)) throw new Error(`id ${i} (${ids[i]}) is not greater than id ${i - 1} (${ids[i - 1]})`);
  }
}

describe('hybrid logical clock', () => {
  it('makes 100k ids in a tight loop on the system clock: UUIDv7, strictly increasing, unique', () => {
    const hlc = createHlc({ now: () => Date.now() });
    const start = Date.now();
    const ids = Array.from({ length: 100_000 }, () => hlc.next());
    expectStrictlyIncreasing(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => UUID7.test(id))).toBe(true);
    expect(timeOfId(ids[0]!)).toBeGreaterThanOrEqual(start);
  });

  it('makes many ids within one millisecond, all of that millisecond', () => {
    const hlc = createHlc({ now: () => T0 });
    const ids = Array.from({ length: 50_000 }, () => hlc.next());
    expectStrictlyIncreasing(ids);
    expect(ids.every((id) => timeOfId(id) === T0)).toBe(true);
  });

  it('borrows the next millisecond when a millisecond runs out of counter values', () => {
    const hlc = createHlc({ now: () => T0 });
    const nearlyFull = formatUuid7(T0, 2 ** 42 - 2, 0xffffffff);
    hlc.observe(nearlyFull);
    const ids = [nearlyFull, hlc.next(), hlc.next(), hlc.next()];
    expectStrictlyIncreasing(ids);
    expect(ids.map((id) => timeOfId(id))).toEqual([T0, T0, T0 + 1, T0 + 1]);
  });

  it('keeps increasing when the clock is set back an hour, and never stamps a time before the latest', () => {
    const clock = createManualClock(T0);
    const hlc = createHlc({ now: () => clock.now() });
    const before = Array.from({ length: 10 }, () => hlc.next());
    clock.set(T0 - 3_600_000);
    const after = Array.from({ length: 10 }, () => hlc.next());
    expectStrictlyIncreasing([...before, ...after]);
    expect(after.every((id) => timeOfId(id) === T0)).toBe(true);
    // Once the wall clock passes the latest id again, ids follow the wall clock.
    clock.set(T0 + 5);
    expect(timeOfId(hlc.next())).toBe(T0 + 5);
  });

  it('follows the wall clock when it moves forward', () => {
    const clock = createManualClock(T0);
    const hlc = createHlc({ now: () => clock.now() });
    for (let step = 0; step < 20; step++) {
      clock.advance(17);
      expect(timeOfId(hlc.next())).toBe(clock.now());
    }
  });

  it('makes later ids greater than a future id it observed', () => {
    const clock = createManualClock(T0);
    const ahead = createHlc({ now: () => T0 + 60_000 });
    const remoteId = ahead.next();
    const hlc = createHlc({ now: () => clock.now() });
    expect(hlc.observe(remoteId)).toBeNull(); // a minute ahead is ordinary skew
    const next = hlc.next();
    expect(next > remoteId).toBe(true);
    expect(timeOfId(next)).toBe(T0 + 60_000);
  });

  it('starts after the id it was told it has seen', () => {
    const seen = createHlc({ now: () => T0 + 1000 }).next();
    const hlc = createHlc({ now: () => T0, seen });
    expect(hlc.next() > seen).toBe(true);
  });

  it('warns when it observes an id far ahead of the wall clock', () => {
    const hlc = createHlc({ now: () => T0 });
    const far = createHlc({ now: () => T0 + 2 * 86_400_000 }).next();
    const warning = hlc.observe(far);
    expect(warning).toMatchObject({ kind: 'clock-ahead', id: far });
    expect(warning!.aheadMs).toBe(2 * 86_400_000);
    const justInside = createHlc({ now: () => T0 + CLOCK_SKEW_WARNING_MS }).next();
    expect(createHlc({ now: () => T0 }).observe(justInside)).toBeNull();
  });

  it('ignores ids that are not UUIDv7 instead of jumping', () => {
    const hlc = createHlc({ now: () => T0 });
    expect(hlc.observe('ffffffff-ffff-4fff-bfff-ffffffffffff')).toBeNull();
    expect(timeOfId(hlc.next())).toBe(T0);
  });

  it('parses ids back to the millisecond they were stamped with', () => {
    const samples = [0, 1, T0, Date.UTC(1999, 11, 31, 23, 59, 59, 999), 2 ** 48 - 1];
    for (const ms of samples) {
      const id = createHlc({ now: () => ms }).next();
      expect(isUuid7(id)).toBe(true);
      expect(timeOfId(id)).toBe(ms);
      expect(lowestIdAt(ms) <= id).toBe(true);
      expect(id < lowestIdAt(ms + 1) || ms === 2 ** 48 - 1).toBe(true);
    }
  });
});

describe('clock of a database', () => {
  it('continues after the newest id in the log when reopened with a clock an hour behind', () => {
    const ws = createWorkspace();
    try {
      const clock = createManualClock(T0);
      const db = ws.open('a.db', { clock });
      db.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)');
      db.track(['notes']);
      db.write([{ op: 'put', table: 'notes', id: 'a', values: { body: '1' } }]);
      const newest = db.history({ limit: 1 }).entries[0]!.id;
      db.close();

      clock.set(T0 - 3_600_000);
      const reopened = ws.open('a.db', { clock });
      reopened.write([{ op: 'put', table: 'notes', id: 'a', values: { body: '2' } }]);
      const latest = reopened.history({ limit: 1 }).entries[0]!;
      expect(latest.newValue).toBe('"2"');
      expect(latest.id > newest).toBe(true);
    } finally {
      ws.cleanup();
    }
  });

  it('stamps local writes after a future remote id it applied', () => {
    const ws = createWorkspace();
    try {
      const a = ws.open('a.db', { clock: createManualClock(T0) });
      const b = ws.open('b.db', { clock: createManualClock(T0 + 86_400_000) });
      for (const db of [a, b]) {
        db.sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)');
        db.track(['notes']);
      }
      b.write([{ op: 'put', table: 'notes', id: 'x', values: { body: 'from the future' } }]);
      const result = a.applyChanges(b.history({}).entries);
      expect(result.warnings).toEqual([expect.objectContaining({ kind: 'clock-ahead' })]);
      a.write([{ op: 'put', table: 'notes', id: 'x', values: { body: 'later here' } }]);
      // The local edit is the newest for its attribute, so it wins everywhere.
      expect(a.sqlite.prepare("SELECT body FROM notes WHERE id = 'x'").pluck().get()).toBe('later here');
      b.applyChanges(a.history({ author: a.uuid }).entries);
      expect(b.sqlite.prepare("SELECT body FROM notes WHERE id = 'x'").pluck().get()).toBe('later here');
    } finally {
      ws.cleanup();
    }
  });
});
