// A Remote wrapper that misbehaves on cue, like a network or a storage service
// does: the Nth call (or every call a predicate picks) fails before it reaches
// the remote, hangs and then times out, lands and then loses its answer, or is
// cut short (a GET whose body stops early, a LIST that misses entries, a PUT
// that leaves a partial object behind). Every call is numbered from 1 and
// recorded, so a test can first count the calls of a fault-free run and then
// fault each step in turn.

import { truncate } from 'node:fs/promises';
import { TidemarkError } from '../../src/shared/errors';
import type { FileGetResult, GetResult, ListOptions, PutResult, Remote, RemoteObject } from '../../src/main/engine/remote/remote';

export type RemoteOperation = 'list' | 'get' | 'putIfAbsent' | 'putIfMatch' | 'delete';

export interface RemoteCall {
  /** 1 for the first call through this wrapper. */
  n: number;
  operation: RemoteOperation;
  /** The object key, or the prefix of a LIST. */
  key: string;
}

export type Fault =
  /** Throws before the remote sees the call (connection refused, DNS, offline). */
  | { kind: 'fail'; error?: (call: RemoteCall) => Error }
  /**
   * Hangs for `ms`, then throws as a socket timeout would. With `reaches`, the
   * call lands on the remote meanwhile: only its answer is lost.
   */
  | { kind: 'timeout'; ms?: number; reaches?: boolean }
  /** The call lands on the remote, then the answer is lost (throws after writing). */
  | { kind: 'fail-after' }
  /**
   * Cut short. get: answers ok with the first `keep` bytes of the body (default:
   * half), in memory or in the file of getToFile. list: answers with the first `keep` entries only (default: half).
   * put: the remote keeps the first `keep` bytes (a non-atomic store) and the
   * call throws.
   */
  | { kind: 'truncate'; keep?: number }
  /**
   * Runs code around the call, e.g. to kill a process or a server at that step:
   * `before` it is sent, `during` it (started once the call is on its way, and
   * awaited with it), `after` it answered.
   */
  | {
      kind: 'hook';
      before?: (call: RemoteCall) => unknown;
      during?: (call: RemoteCall) => unknown;
      after?: (call: RemoteCall) => unknown;
    };

export interface FaultRule {
  /** The call number to fault, or a predicate over calls. */
  match: number | ((call: RemoteCall) => boolean);
  fault: Fault;
  /** How many calls this rule faults: 1 for a call number, unlimited for a predicate. */
  times?: number;
}

export interface FaultRemote extends Remote {
  readonly calls: RemoteCall[];
  /** Each fault that fired, in order. */
  readonly injected: Array<{ call: RemoteCall; fault: Fault['kind'] }>;
  inject(rule: FaultRule): void;
  /** Drops every rule (the call count keeps going). */
  clear(): void;
  /** Waits for calls still landing in the background after a timeout. */
  settle(): Promise<void>;
}

/** What an adapter throws when the network fails: the typed remote-unreachable error. */
export function injectedError(remote: string, call: RemoteCall, what: string): TidemarkError {
  return new TidemarkError({
    kind: 'remote-unreachable',
    remote,
    hint: `injected fault: ${what} at call ${call.n} (${call.operation} ${call.key})`,
  });
}

export function isInjected(error: unknown): boolean {
  return error instanceof TidemarkError && error.detail.hint.startsWith('injected fault');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How much of `length` bytes or entries a cut-short call keeps: always less than all. */
function cut(keep: number | undefined, length: number): number {
  return Math.max(0, Math.min(length - 1, keep ?? Math.floor(length / 2)));
}

export function createFaultRemote(inner: Remote, initialRules: FaultRule[] = []): FaultRemote {
  const rules: Array<FaultRule & { left: number }> = [];
  const calls: RemoteCall[] = [];
  const injected: FaultRemote['injected'] = [];
  const background = new Set<Promise<unknown>>();

  const inject = (rule: FaultRule) =>
    rules.push({ ...rule, left: rule.times ?? (typeof rule.match === 'number' ? 1 : Number.POSITIVE_INFINITY) });
  initialRules.forEach(inject);

  function faultFor(call: RemoteCall): Fault | undefined {
    for (const rule of rules) {
      if (rule.left <= 0) continue;
      const hit = typeof rule.match === 'number' ? rule.match === call.n : rule.match(call);
      if (!hit) continue;
      rule.left -= 1;
      injected.push({ call, fault: rule.fault.kind });
      return rule.fault;
    }
    return undefined;
  }

  /**
   * Runs one call through the rules. `truncated` answers a cut-short call:
   * given the fault, it does the call its own way and returns (or throws).
   */
  async function run<T>(
    operation: RemoteOperation,
    key: string,
    call: () => Promise<T>,
    truncated: (keep: number | undefined, c: RemoteCall) => Promise<T>,
  ): Promise<T> {
    const c: RemoteCall = { n: calls.length + 1, operation, key };
    calls.push(c);
    const fault = faultFor(c);
    if (!fault) return call();
    switch (fault.kind) {
      case 'fail':
        throw fault.error?.(c) ?? injectedError(inner.url, c, 'failed');
      case 'timeout': {
        if (fault.reaches) {
          const landing = call().catch(() => undefined);
          background.add(landing);
          void landing.finally(() => background.delete(landing));
        }
        await sleep(fault.ms ?? 5);
        throw injectedError(inner.url, c, 'timed out');
      }
      case 'fail-after':
        await call();
        throw injectedError(inner.url, c, 'answer lost');
      case 'truncate':
        return truncated(fault.keep, c);
      case 'hook': {
        await fault.before?.(c);
        const sent = call();
        const [answer, side] = await Promise.allSettled([sent, fault.during?.(c)]);
        if (side.status === 'rejected') throw side.reason; // the test's own code failed
        if (answer.status === 'rejected') throw answer.reason;
        await fault.after?.(c);
        return answer.value;
      }
    }
  }

  const cutPut = (key: string, body: Uint8Array, put: (b: Uint8Array) => Promise<PutResult>) =>
    async (keep: number | undefined, c: RemoteCall): Promise<PutResult> => {
      await put(body.subarray(0, cut(keep, body.length)));
      throw injectedError(inner.url, c, `upload of ${key} cut short`);
    };

  return {
    url: inner.url,
    calls,
    injected,
    inject,
    clear: () => void rules.splice(0),
    settle: async () => {
      await Promise.all([...background]);
    },

    list: (prefix: string, options?: ListOptions): Promise<RemoteObject[]> =>
      run('list', prefix, () => inner.list(prefix, options), async (keep) => {
        const all = await inner.list(prefix, options);
        return all.slice(0, all.length === 0 ? 0 : cut(keep, all.length));
      }),

    get: (key: string, options?: { ifNoneMatch?: string }): Promise<GetResult> =>
      run('get', key, () => inner.get(key, options), async (keep) => {
        const result = await inner.get(key, options);
        if (result.status !== 'ok') return result;
        return { ...result, body: result.body.slice(0, cut(keep, result.body.length)) };
      }),

    // A download to a file is a GET too: the same call numbers and faults.
    ...(inner.getToFile && {
      getToFile: (key: string, path: string): Promise<FileGetResult> =>
        run('get', key, () => inner.getToFile!(key, path), async (keep) => {
          const result = await inner.getToFile!(key, path);
          if (result.status !== 'ok') return result;
          const bytes = cut(keep, result.bytes);
          await truncate(path, bytes);
          return { ...result, bytes };
        }),
    }),

    putIfAbsent: (key: string, body: Uint8Array): Promise<PutResult> =>
      run('putIfAbsent', key, () => inner.putIfAbsent(key, body), cutPut(key, body, (b) => inner.putIfAbsent(key, b))),

    putIfMatch: (key: string, body: Uint8Array, etag: string): Promise<PutResult> =>
      run('putIfMatch', key, () => inner.putIfMatch(key, body, etag), cutPut(key, body, (b) => inner.putIfMatch(key, b, etag))),

    delete: (key: string): Promise<void> =>
      run('delete', key, () => inner.delete(key), async (_keep, c) => {
        throw injectedError(inner.url, c, 'failed');
      }),
  };
}
