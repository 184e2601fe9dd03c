// The pull's pipeline (ahead.ts): how far ahead files are started, in what
// order, and that nothing started is left open when a pull stops early.

import { describe, expect, it } from 'vitest';
import { ahead, type HandOff } from '../../src/main/engine/sync/ahead';

/** Items are their own weight (a batch's changes); each logs when it starts, is handed off and is closed; `fail` rejects. */
function recorder(fail?: number) {
  const events: string[] = [];
  const start = async (item: number, handOff: HandOff) => {
    events.push(`start ${item}`);
    await Promise.resolve();
    handOff();
    events.push(`handed ${item}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (item === fail) throw new Error(`item ${item} failed`);
    return { item, close: () => events.push(`close ${item}`) };
  };
  return { events, start };
}

const budget = { budget: 150, weight: (item: number) => Math.floor(item / 10) * 10 };

describe('ahead', () => {
  it('full batches: only the next one is started ahead, once the one before is handed off', async () => {
    const { events, start } = recorder();
    const seen: string[][] = [];
    for await (const got of ahead([100, 101, 102, 103], budget, start)) {
      seen.push(events.splice(0));
      got.close();
    }
    expect(seen).toEqual([
      ['start 100', 'handed 100', 'start 101', 'handed 101'],
      ['close 100', 'start 102', 'handed 102'],
      ['close 101', 'start 103', 'handed 103'],
      ['close 102'],
    ]);
  });

  it('after a small batch the next full one starts too, so the worker is never left with only the small one', async () => {
    const { events, start } = recorder();
    const seen: string[][] = [];
    for await (const got of ahead([100, 101, 30, 102, 103, 31, 32], budget, start)) {
      seen.push(events.splice(0));
      got.close();
    }
    expect(seen).toEqual([
      ['start 100', 'handed 100', 'start 101', 'handed 101', 'start 30', 'handed 30'], // 100 + 30 fit in 150
      ['close 100', 'start 102', 'handed 102'], // the small one is not all the worker has
      ['close 101'],
      ['close 30', 'start 103', 'handed 103', 'start 31', 'handed 31'],
      ['close 102', 'start 32', 'handed 32'],
      ['close 103'],
      ['close 31'],
    ]);
  });

  it('starts the next file while the worker still checks the current one, so it never waits for a download', async () => {
    const events: string[] = [];
    const checked = new Map<number, () => void>();
    const start = async (item: number, handOff: HandOff) => {
      events.push(`start ${item}`);
      handOff();
      await new Promise<void>((resolve) => checked.set(item, resolve)); // the worker's check, finished by the test
      return { item, close: () => undefined };
    };
    const pipeline = ahead([100, 101, 102], budget, start);
    const first = pipeline.next();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events).toEqual(['start 100', 'start 101']); // 101 is with the worker before 100 is checked
    checked.get(100)!();
    checked.get(101)!();
    expect((await first).value?.item).toBe(100);
    const second = pipeline.next();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events).toEqual(['start 100', 'start 101', 'start 102']);
    checked.get(102)!();
    expect((await second).value?.item).toBe(101);
    expect((await pipeline.next()).value?.item).toBe(102);
  });

  it('closes the files it started when the caller stops early', async () => {
    const { events, start } = recorder();
    for await (const got of ahead([30, 31, 32, 100, 101], budget, start)) {
      got.close();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.filter((e) => e.startsWith('close')).sort()).toEqual(['close 30', 'close 31', 'close 32']);
    expect(events).not.toContain('start 100');
  });

  it('a file that fails throws when it is reached, after the ones before it, and closes the ones after', async () => {
    const { events, start } = recorder(31);
    const yielded: number[] = [];
    await expect(
      (async () => {
        for await (const got of ahead([30, 31, 32, 33], budget, start)) {
          yielded.push(got.item);
          got.close();
        }
      })(),
    ).rejects.toThrow('item 31 failed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(yielded).toEqual([30]);
    expect(events).toContain('close 32');
  });

  it('hands each file it is about to wait for to whileWaiting first, before the caller gets it', async () => {
    const { events, start } = recorder();
    const waitedFor: number[] = [];
    const whileWaiting = async (next: Promise<unknown>) => {
      events.push('waiting');
      waitedFor.push(((await next) as { item: number }).item);
    };
    const got: number[] = [];
    for await (const file of ahead([100, 101, 102], { ...budget, whileWaiting }, start)) {
      got.push(file.item);
      file.close();
    }
    expect(waitedFor).toEqual([100, 101, 102]);
    expect(got).toEqual([100, 101, 102]);
    expect(events.filter((event) => event === 'waiting')).toHaveLength(3);
  });
});
