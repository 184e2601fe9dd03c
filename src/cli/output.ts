// How the CLI talks: human lines on stdout, errors as one or two lines on
// stderr (the message, then the hint), JSON when asked.

import { describeError, TidemarkError, type TidemarkErrorDetail } from '../shared/errors';

export interface Output {
  line(text?: string): void;
  json(value: unknown): void;
  /** Progress on stderr, so `--json` output stays clean. */
  progress(text: string): void;
  error(detail: TidemarkErrorDetail): void;
}

export function createOutput(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  const isTty = (stderr as { isTTY?: boolean }).isTTY === true;
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) stderr.write('\r\x1b[K');
    progressShown = false;
  };
  return {
    line(text = '') {
      clearProgress();
      stdout.write(`${text}\n`);
    },
    json(value) {
      clearProgress();
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    progress(text) {
      if (isTty) {
        stderr.write(`\r\x1b[K${text}`);
        progressShown = true;
      } else stderr.write(`${text}\n`);
    },
    error(detail) {
      clearProgress();
      stderr.write(`tidemark: ${describeError(detail)}\n`);
      if (detail.hint) stderr.write(`  ${detail.hint}\n`);
    },
  };
}

/** A usage mistake: wrong flags or arguments. */
export function usageError(message: string, hint: string): TidemarkError {
  return new TidemarkError({ kind: 'invalid-input', field: 'arguments', message, hint });
}
