// A joining device's batches are checked on the file worker, and each one's
// newest values sorted there too (file-worker.ts). But the thread that applies
// them waits for the worker now and then: for the first file of a pull (about
// 0.7 s of work for 100,000 changes, with nothing else to do), and when the
// worker falls behind. While it waits, it takes the sort of a file the worker
// has inflated and not yet begun to sort; the worker, done with the checks,
// skips a sort this thread took. Whichever thread claims a file's sort first
// (one atomic compare-and-swap on memory both share) does it, so neither
// ever waits for the other's answer.

const UNCLAIMED = 0;
const BY_CHECKER = 1;
const BY_STAGER = 2;

/** Shared by the two threads: who sorts one file (an Int32Array over a SharedArrayBuffer). */
export type SortClaim = Int32Array;

/** What prepareBatch is told of a file whose sort may be taken by the thread that staged it. */
export interface SortShare {
  claim: SortClaim;
  /** Called once the file is inflated, before its checks. */
  inflated(path: string): void;
}

/** Whether the two threads can share memory here (always in Node; a host that withholds SharedArrayBuffer gets the old order). */
export function canShareSorts(): boolean {
  return typeof SharedArrayBuffer === 'function';
}

/** For the checking thread, after the checks: whether it sorts (false when the staging thread took the sort). */
export function checkerSorts(claim: SortClaim): boolean {
  return Atomics.compareExchange(claim, 0, UNCLAIMED, BY_CHECKER) !== BY_STAGER;
}

/** A file staged on this thread whose sort this thread may take while it waits. */
export interface StagedSort extends SortShare {
  /** Whether this thread took the sort; then latestPath() is its outcome. */
  takenHere(): boolean;
  /** The newest values' path this thread wrote, or what the sort met, thrown. */
  latestPath(): string;
  /** Done with: no longer offered to sortWhileWaiting. */
  forget(): void;
}

interface Offer {
  claim: SortClaim;
  path: string | null;
  take(): void;
}

/**
 * Files staged on this thread and not yet handed back, in order (one the
 * worker is sorting stays until then). The worker takes its files in the
 * same order, so only the first can be inflated and unclaimed.
 */
const offers: Offer[] = [];
/** How many sortWhileWaiting calls are waiting now (pulls of two databases may run at once). */
let waiting = 0;

/**
 * A file staged here whose sort this thread takes if it is waiting when the
 * file is inflated, or starts to wait after. `sort` writes the newest values
 * of the inflated file at `path` and returns where; what it throws is kept
 * for latestPath(), which the caller asks for only once the checks passed.
 */
export function offerSort(sort: (path: string) => string): StagedSort {
  const claim: SortClaim = new Int32Array(new SharedArrayBuffer(4));
  let outcome: { path: string } | { failure: unknown } | null = null;
  const offer: Offer = {
    claim,
    path: null,
    take() {
      if (offer.path === null || Atomics.compareExchange(claim, 0, UNCLAIMED, BY_STAGER) !== UNCLAIMED) return;
      forget();
      try {
        outcome = { path: sort(offer.path) };
      } catch (error) {
        outcome = { failure: error };
      }
    },
  };
  const forget = () => {
    const at = offers.indexOf(offer);
    if (at !== -1) offers.splice(at, 1);
  };
  offers.push(offer);
  return {
    claim,
    inflated(path) {
      offer.path = path;
      if (waiting > 0 && offers[0] === offer) offer.take();
    },
    takenHere: () => outcome !== null,
    latestPath() {
      if (outcome === null) throw new Error('the newest values were not sorted on this thread');
      if ('failure' in outcome) throw outcome.failure;
      return outcome.path;
    },
    forget,
  };
}

/**
 * Waits for `until`, taking meanwhile the sort of the first file staged here
 * once it is inflated, unless the worker has begun it. For the loop that
 * applies files (ahead.ts), where it would otherwise wait idle.
 */
export async function sortWhileWaiting(until: Promise<unknown>): Promise<void> {
  waiting += 1;
  try {
    offers[0]?.take();
    await until.then(
      () => undefined,
      () => undefined,
    );
  } finally {
    waiting -= 1;
  }
}
