// Fetching and unpacking the next file while the current one is applied.
// Applying is synchronous SQLite work on this thread; a download and an
// inflate (zlib and file writes run on libuv's thread pool) can proceed
// meanwhile, so a pull of many files waits for the network once, not per file.

/**
 * Yields `start(item)` for each item in order, having started the next item
 * before the caller works on the current one. The caller closes what it gets;
 * one started but never yielded (the caller stopped early) is closed here.
 */
export async function* oneAhead<T, R extends { close(): void }>(items: readonly T[], start: (item: T) => Promise<R>): AsyncGenerator<R> {
  const begin = (index: number): Promise<R> | null => {
    if (index >= items.length) return null;
    const started = start(items[index]!);
    started.catch(() => undefined); // its error surfaces when the caller reaches it
    return started;
  };
  let next = begin(0);
  try {
    for (let i = 0; next; i++) {
      const current = await next;
      next = begin(i + 1);
      yield current;
    }
  } finally {
    void next?.then((unused) => unused.close(), () => undefined);
  }
}
