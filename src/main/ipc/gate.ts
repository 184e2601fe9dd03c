// The one gate every call from a UI passes through, whatever carries it (Electron
// IPC, HTTP from `tidemark serve`, or a test calling it directly): it checks
// the method exists, validates the input with the contract's schema, runs the
// handler, and answers with the result envelope. Errors come back as typed
// details the UI can show; a thrown error never crosses the boundary.

import type { z } from 'zod';
import { contract, isMethod, type Input, type Method, type Output, type Result } from '../../shared/contract';
import { TidemarkError, type TidemarkErrorDetail } from '../../shared/errors';
import { forApp } from '../app/app-hints';

export type Handler<M extends Method> = (input: Input<M>) => Output<M> | Promise<Output<M>>;
export type Handlers = { [M in Method]: Handler<M> };

export interface Gate {
  call(method: unknown, input: unknown): Promise<Result<unknown>>;
}

export interface GateOptions {
  /** Unexpected (non-Tidemark) errors, for the log. */
  onInternalError?: (method: string, error: unknown) => void;
}

export function createGate(handlers: Handlers, options: GateOptions = {}): Gate {
  return {
    async call(method, input) {
      if (!isMethod(method)) {
        return fail({ kind: 'invalid-input', field: 'method', message: `unknown method "${String(method).slice(0, 80)}"`, hint: 'The app and its UI are out of step; reload the window.' });
      }
      const parsed = (contract[method].input as z.ZodType).safeParse(input ?? {});
      if (!parsed.success) return fail(validationError(parsed.error));
      try {
        const handler = handlers[method] as (input: unknown) => unknown;
        return { ok: true, value: await handler(parsed.data) };
      } catch (error) {
        if (error instanceof TidemarkError) return fail(forApp(error.detail)); // hints for a window, not a terminal
        options.onInternalError?.(method, error);
        return fail({ kind: 'internal', message: (error as Error)?.message ?? String(error), hint: 'Try again; if it persists, report it with the steps that led here.' });
      }
    },
  };
}

const fail = (error: TidemarkErrorDetail): Result<never> => ({ ok: false, error });

/** The first problem, named by its field, as the same typed error the engine uses. */
export function validationError(error: z.ZodError): TidemarkErrorDetail {
  const issue = error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : 'input';
  const message = issue?.code === 'unrecognized_keys' ? `unexpected field ${issue.keys.map((k) => `"${k}"`).join(', ')}` : (issue?.message ?? 'invalid');
  return { kind: 'invalid-input', field, message, hint: 'Check the value and try again.' };
}
