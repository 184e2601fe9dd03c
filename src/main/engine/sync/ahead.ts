// Fetching and unpacking the next files while the current one is applied.
// Applying is synchronous SQLite work on this thread, so whatever the next
// file still needs this thread for (its download, handing it to the file
// worker) waits until the apply ends. So the next files are handed off first:
// then the worker checks them (file-worker.ts) while this thread applies the
// current one, and a pull of many files keeps both cores busy.
//
// How far ahead is a budget of work, not a number of files: one file ahead
// left this thread waiting for the worker after every small file and at each
// replica's first file. Two full files ahead once let this thread's garbage
// collector fall behind, and a pull's peak memory past its target (round 8);
// since the rows of a joining device are written inside SQLite (round 9) it
// makes far less garbage, and two files ahead stayed under the target
// (docs/performance.md, round 10).

/** Called by `start` once the rest of its work no longer needs this thread. */
export type HandOff = () => void;

export interface AheadLimit<T> {
  /** The work of one item (a batch's changes). */
  weight(item: T): number;
  /** Work started ahead of the item in use: the next item always, more while they fit. */
  budget: number;
  /** Waits for the next item, doing what work this thread can take meanwhile (shared-sort.ts). */
  whileWaiting?: (next: Promise<unknown>) => Promise<void>;
}

/**
 * Yields `start(item)` for each item in order. Before the caller works on an
 * item, the next one has been started, and those after it while their work
 * fits the budget; each is started once the one before was handed off. The
 * next item starts before the current one is ready: the worker is still
 * checking the current file, and gets the next one without waiting for its
 * download. The caller closes what it gets; one started but never yielded
 * (the caller stopped early) is closed here.
 */
export async function* ahead<T, R extends { close(): void }>(
  items: readonly T[],
  limit: AheadLimit<T>,
  start: (item: T, handOff: HandOff) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Array<Promise<R>> = [];
  let next = 0;
  let aheadWeight = 0;
  /** Resolves once the last item started was handed off; the next one starts after it. */
  let handedOff: Promise<void> = Promise.resolve();
  const startNext = () => {
    const item = items[next++]!;
    aheadWeight += limit.weight(item);
    const started = handedOff.then(() => {
      let handOff: HandOff = () => undefined;
      const handing = new Promise<void>((resolve) => (handOff = resolve));
      const result = start(item, handOff);
      result.then(handOff, handOff);
      return { result, handing };
    });
    handedOff = started.then(({ handing }) => handing);
    const result = started.then(({ result }) => result);
    result.catch(() => undefined); // its error surfaces when the caller reaches it
    inFlight.push(result);
  };
  try {
    for (let i = 0; i < items.length; i++) {
      if (next === i) startNext();
      if (next === i + 1 && next < items.length) startNext();
      const pending = inFlight.shift()!;
      await limit.whileWaiting?.(pending);
      const current = await pending;
      aheadWeight -= limit.weight(items[i]!);
      while (next < items.length && aheadWeight + limit.weight(items[next]!) <= limit.budget) startNext();
      await handedOff; // all started are handed off before the caller's synchronous work
      yield current;
    }
  } finally {
    for (const started of inFlight) void started.then((unused) => unused.close(), () => undefined);
  }
}
