// Retries transient remote failures (unreachable, 5xx, timeouts) with
// exponential backoff and full jitter; permanent ones (auth, missing bucket,
// bad input) fail at once. Conditional writes are safe to retry: a write that
// landed but whose answer was lost comes back as a conflict, which push
// resolves by reading what is there.

import { TidemarkError } from '../../../shared/errors';
import type { Remote } from './remote';

export interface RetryOptions {
  /** Tries per call, the first included (default 4). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: TidemarkError }) => void;
}

export function isTransient(error: unknown): error is TidemarkError {
  return error instanceof TidemarkError && (error.detail.kind === 'remote-unreachable' || error.detail.kind === 'remote-io');
}

export function withRetries(inner: Remote, options: RetryOptions = {}): Remote {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  const retry = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error) || attempt >= attempts) throw error;
        const delayMs = Math.round(random() * Math.min(max, base * 2 ** (attempt - 1)));
        options.onRetry?.({ attempt, delayMs, error });
        await sleep(delayMs);
      }
    }
  };

  return {
    url: inner.url,
    list: (prefix, listOptions) => retry(() => inner.list(prefix, listOptions)),
    get: (key, getOptions) => retry(() => inner.get(key, getOptions)),
    ...(inner.getToFile && { getToFile: (key: string, path: string) => retry(() => inner.getToFile!(key, path)) }),
    putIfAbsent: (key, body) => retry(() => inner.putIfAbsent(key, body)),
    putIfMatch: (key, body, etag) => retry(() => inner.putIfMatch(key, body, etag)),
    delete: (key) => retry(() => inner.delete(key)),
  };
}
