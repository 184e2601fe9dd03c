// Fetching and unpacking the next files while the current one is applied.
// Applying is synchronous SQLite work on this thread, so whatever the next
// file still needs this thread for (its download, handing it to the file
// worker) waits until the apply ends. So the next files are handed off first:
// then the worker checks them (file-worker.ts) while this thread applies the
// current one, and a pull of many files keeps both cores busy.
//
// How far ahead is a budget of work, not a number of files: one file ahead
// left this thread waiting for the worker after every small file and at each
// replica's first file; two full files ahead kept both cores so busy that
// this thread's garbage collector fell behind, and a pull's peak memory went
// past its target in a quarter of the runs (docs/performance.md, round 8).

/** Called by `start` once the rest of its work no longer needs this thread. */
export type HandOff = () => void;

export interface AheadLimit<T> {
  /** The work of one item (a batch's changes). */
  weight(item: T): number;
  /** Work started ahead of the item in use: the next item always, more while they fit. */
  budget: number;
}

/**
 * Yields `start(item)` for each item in order. Before the caller works on an
 * item, the next one has been started, and those after it while their work
 * fits the budget; each is started once the one before was handed off. The
 * caller closes what it gets; one started but never yielded (the caller
 * stopped early) is closed here.
 */
export async function* ahead<T, R extends { close(): void }>(
  items: readonly T[],
  limit: AheadLimit<T>,
  start: (item: T, handOff: HandOff) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Array<Promise<R>> = [];
  let next = 0;
  let aheadWeight = 0;
  const startNext = async () => {
    let handOff: HandOff = () => undefined;
    const handedOff = new Promise<void>((resolve) => (handOff = resolve));
    aheadWeight += limit.weight(items[next]!);
    const started = start(items[next++]!, handOff);
    started.then(handOff, handOff);
    started.catch(() => undefined); // its error surfaces when the caller reaches it
    inFlight.push(started);
    await handedOff;
  };
  try {
    for (let i = 0; i < items.length; i++) {
      if (next === i) await startNext();
      const current = await inFlight.shift()!;
      aheadWeight -= limit.weight(items[i]!);
      while (next < items.length && (next === i + 1 || aheadWeight + limit.weight(items[next]!) <= limit.budget)) await startNext();
      yield current;
    }
  } finally {
    for (const started of inFlight) void started.then((unused) => unused.close(), () => undefined);
  }
}
