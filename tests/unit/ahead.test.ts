// The pull's pipeline (ahead.ts): how far ahead files are started, in what
// order, and that nothing started is left open when a pull stops early.

import { describe, expect, it } from 'vitest';
import { ahead, type HandOff } from '../../src/main/engine/sync/ahead';

/** Items that log when they start, are handed off and are closed; `fail` rejects that one. */
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

describe('ahead', () => {
  it('starts the next files one after another, each once the one before is handed off, `depth` ahead', async () => {
    const { events, start } = recorder();
    const seen: string[][] = [];
    for await (const got of ahead([0, 1, 2, 3, 4], 2, start)) {
      seen.push(events.splice(0));
      got.close();
    }
    expect(seen[0]).toEqual(['start 0', 'handed 0', 'start 1', 'handed 1', 'start 2', 'handed 2']);
    expect(seen[1]).toEqual(['close 0', 'start 3', 'handed 3']);
    expect(seen[2]).toEqual(['close 1', 'start 4', 'handed 4']);
    expect(seen[3]).toEqual(['close 2']);
    expect(seen[4]).toEqual(['close 3']);
  });

  it('one ahead starts only the next file', async () => {
    const { events, start } = recorder();
    const iterator = ahead([0, 1, 2], 1, start);
    const first = await iterator.next();
    expect(events).toEqual(['start 0', 'handed 0', 'start 1', 'handed 1']);
    (first.value as { close(): void }).close();
    await iterator.return(undefined);
  });

  it('closes the files it started when the caller stops early', async () => {
    const { events, start } = recorder();
    for await (const got of ahead([0, 1, 2, 3, 4], 2, start)) {
      got.close();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.filter((e) => e.startsWith('close')).sort()).toEqual(['close 0', 'close 1', 'close 2']);
    expect(events).not.toContain('start 3');
  });

  it('a file that fails throws when it is reached, after the ones before it, and closes the ones after', async () => {
    const { events, start } = recorder(1);
    const yielded: number[] = [];
    await expect(
      (async () => {
        for await (const got of ahead([0, 1, 2, 3], 2, start)) {
          yielded.push(got.item);
          got.close();
        }
      })(),
    ).rejects.toThrow('item 1 failed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(yielded).toEqual([0]);
    expect(events).toContain('close 2');
  });
});
