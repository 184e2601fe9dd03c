// Fetching and unpacking the next file while the current one is applied.
// Applying is synchronous SQLite work on this thread, so whatever the next
// file still needs this thread for (its download, handing it to the file
// worker) waits until the apply ends. So the next file is handed off first:
// then the worker checks it (file-worker.ts) while this thread applies the
// current one, and a pull of many files keeps both cores busy.

/** Called by `start` once the rest of its work no longer needs this thread. */
export type HandOff = () => void;

/**
 * Yields `start(item)` for each item in order, having started the next item
 * (and waited for it to be handed off) before the caller works on the
 * current one. The caller closes what it gets; one started but never yielded
 * (the caller stopped early) is closed here.
 */
export async function* oneAhead<T, R extends { close(): void }>(items: readonly T[], start: (item: T, handOff: HandOff) => Promise<R>): AsyncGenerator<R> {
  const begin = (index: number): { started: Promise<R>; handedOff: Promise<void> } | null => {
    if (index >= items.length) return null;
    let handOff: HandOff = () => undefined;
    const handedOff = new Promise<void>((resolve) => (handOff = resolve));
    const started = start(items[index]!, handOff);
    started.then(handOff, handOff);
    started.catch(() => undefined); // its error surfaces when the caller reaches it
    return { started, handedOff };
  };
  let next = begin(0);
  try {
    for (let i = 0; next; i++) {
      const current = await next.started;
      next = begin(i + 1);
      await next?.handedOff;
      yield current;
    }
  } finally {
    void next?.started.then((unused) => unused.close(), () => undefined);
  }
}
