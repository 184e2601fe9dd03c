// The same Bridge as the preload's, over HTTP and Server-Sent Events, for a
// browser talking to `tidemark serve`. Built from the contract keys by the
// same buildBridge, so the methods cannot drift from the desktop app's.
// URLs are relative: the page lives under /<token>/, so every request carries it.

import { buildBridge, type Bridge } from '../../shared/bridge';
import { eventNames, type EventName, type Result } from '../../shared/contract';

export function createHttpBridge(base = './'): Bridge {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let source: EventSource | null = null;

  const connect = () => {
    if (source) return;
    source = new EventSource(`${base}events`);
    for (const name of eventNames) {
      source.addEventListener(name, (message) => {
        const payload = JSON.parse((message as MessageEvent<string>).data) as never;
        for (const listener of listeners.get(name) ?? []) listener(payload);
      });
    }
  };

  return buildBridge(
    async (method, input): Promise<Result<unknown>> => {
      try {
        const response = await fetch(`${base}api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input),
          cache: 'no-store',
        });
        if (response.status === 401) {
          return { ok: false, error: { kind: 'invalid-input', field: 'token', message: 'the access token was refused', hint: 'Open the full URL that `tidemark serve` printed.' } };
        }
        return (await response.json()) as Result<unknown>;
      } catch {
        return { ok: false, error: { kind: 'internal', message: 'lost the connection to tidemark serve', hint: 'Check that `tidemark serve` is still running, then reload the page.' } };
      }
    },
    (event, listener) => {
      connect();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => void set.delete(listener as (payload: never) => void);
    },
  );
}
