// Fetching and unpacking the next files while the current one is applied.
// Applying is synchronous SQLite work on this thread, so whatever the next
// file still needs this thread for (its download, handing it to the file
// worker) waits until the apply ends. So the next files are handed off first:
// then the worker checks them (file-worker.ts) while this thread applies the
// current one, and a pull of many files keeps both cores busy.
//
// One file ahead was not enough: after a small file (a replica's last batch)
// or between replicas, this thread waited for the worker to check the next
// big file from its start (docs/performance.md, round 8).

/** Called by `start` once the rest of its work no longer needs this thread. */
export type HandOff = () => void;

/**
 * Yields `start(item)` for each item in order. Before the caller works on an
 * item, the next `depth` items have been started, one after another (each
 * once the one before was handed off). The caller closes what it gets; one
 * started but never yielded (the caller stopped early) is closed here.
 */
export async function* ahead<T, R extends { close(): void }>(
  items: readonly T[],
  depth: number,
  start: (item: T, handOff: HandOff) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Array<Promise<R>> = [];
  let next = 0;
  /** Starts items up to `last`, each once the one before is handed off. */
  const startUpTo = async (last: number) => {
    while (next < items.length && next <= last) {
      let handOff: HandOff = () => undefined;
      const handedOff = new Promise<void>((resolve) => (handOff = resolve));
      const started = start(items[next++]!, handOff);
      started.then(handOff, handOff);
      started.catch(() => undefined); // its error surfaces when the caller reaches it
      inFlight.push(started);
      await handedOff;
    }
  };
  try {
    for (let i = 0; i < items.length; i++) {
      await startUpTo(i);
      const current = await inFlight.shift()!;
      await startUpTo(i + depth);
      yield current;
    }
  } finally {
    for (const started of inFlight) void started.then((unused) => unused.close(), () => undefined);
  }
}
