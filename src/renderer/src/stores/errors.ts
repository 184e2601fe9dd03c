import { ApiError } from '../../../shared/bridge';
import type { TidemarkErrorDetail } from '../../../shared/errors';

/** The typed detail of anything a call threw, for showing to the person. */
export function detailOf(error: unknown): TidemarkErrorDetail {
  if (error instanceof ApiError) return error.detail;
  return { kind: 'internal', message: (error as Error)?.message ?? String(error), hint: 'Try again; if it persists, reload the window.' };
}
