// Builds the UI-facing API from the contract's keys: `databases.list` becomes
// `bridge.databases.list(input)`. The preload builds `window.tidemark` with it
// over Electron IPC, the renderer builds the same shape over HTTP when it runs
// in a browser, and tests build it over the gate directly: one shape, three
// transports, no method written by hand.

import {
  eventNames,
  isEventName,
  methodNames,
  type EventName,
  type EventPayload,
  type InputArg,
  type Method,
  type Output,
  type Result,
} from './contract';
import { describeError, type TidemarkErrorDetail } from './errors';

type DomainOf<M> = M extends `${infer D}.${string}` ? D : never;
type Domain = DomainOf<Method>;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "{} fits" means every field is optional
type Call<M extends Method, R> = {} extends InputArg<M> ? (input?: InputArg<M>) => R : (input: InputArg<M>) => R;

export type Listen = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => () => void;

/** What `window.tidemark` is: every method answers with the result envelope. */
export type Bridge = {
  [D in Domain]: { [M in Method as M extends `${D}.${infer F}` ? F : never]: Call<M, Promise<Result<Output<M>>>> };
} & { on: Listen };

/** The renderer's API: values, or a thrown ApiError carrying the typed detail. */
export type Api = {
  [D in Domain]: { [M in Method as M extends `${D}.${infer F}` ? F : never]: Call<M, Promise<Output<M>>> };
} & { on: Listen };

export type Transport = (method: Method, input: unknown) => Promise<Result<unknown>>;

export function buildBridge(transport: Transport, listen: Listen): Bridge {
  const bridge: Record<string, Record<string, unknown>> = {};
  for (const method of methodNames) {
    const [domain, name] = splitMethod(method);
    bridge[domain] ??= {};
    bridge[domain]![name] = (input?: unknown) => transport(method, input ?? {});
  }
  const on: Listen = (event, listener) => {
    if (!isEventName(event)) throw new TypeError(`Unknown event "${String(event)}"`);
    if (typeof listener !== 'function') throw new TypeError('A listener must be a function');
    return listen(event, listener);
  };
  return Object.assign(bridge, { on }) as unknown as Bridge;
}

export class ApiError extends Error {
  readonly detail: TidemarkErrorDetail;
  constructor(detail: TidemarkErrorDetail) {
    super(describeError(detail));
    this.name = 'ApiError';
    this.detail = detail;
  }
}

/** Turns envelopes into values and ApiErrors, once, for the whole API. */
export function unwrapBridge(bridge: Bridge): Api {
  const api: Record<string, Record<string, unknown>> = {};
  for (const method of methodNames) {
    const [domain, name] = splitMethod(method);
    const call = (bridge as unknown as Record<string, Record<string, (input?: unknown) => Promise<Result<unknown>>>>)[domain]![name]!;
    api[domain] ??= {};
    api[domain]![name] = async (input?: unknown) => {
      const result = await call(input);
      if (!result.ok) throw new ApiError(result.error);
      return result.value;
    };
  }
  return Object.assign(api, { on: bridge.on }) as unknown as Api;
}

export function splitMethod(method: Method): [string, string] {
  const dot = method.indexOf('.');
  return [method.slice(0, dot), method.slice(dot + 1)];
}

export { eventNames };
