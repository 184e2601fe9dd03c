// Expected failures as plain, serializable values: they cross IPC and the CLI
// intact, and each carries a hint that tells the person what to do next.

export type TidemarkErrorDetail =
  | { kind: 'database-missing'; path: string; hint: string }
  | { kind: 'not-sqlite'; path: string; hint: string }
  | { kind: 'not-initialized'; path: string; hint: string }
  | { kind: 'database-locked'; path: string; hint: string }
  | { kind: 'table-missing'; table: string; hint: string }
  | { kind: 'table-untrackable'; table: string; reason: string; hint: string }
  | { kind: 'table-not-tracked'; table: string; hint: string }
  | { kind: 'column-missing'; table: string; column: string; hint: string }
  | { kind: 'constraint'; table: string; message: string; hint: string }
  | { kind: 'invalid-input'; field: string; message: string; hint: string }
  | { kind: 'remote-auth'; remote: string; hint: string }
  | { kind: 'remote-not-found'; remote: string; hint: string }
  | { kind: 'remote-unreachable'; remote: string; hint: string }
  | { kind: 'remote-not-writable'; remote: string; hint: string }
  | { kind: 'remote-io'; remote: string; message: string; hint: string }
  | { kind: 'remote-not-configured'; hint: string }
  | { kind: 'dataset-mismatch'; expected: string; found: string; hint: string }
  | { kind: 'head-moved'; replica: string; hint: string }
  | { kind: 'identity-conflict'; replica: string; hint: string }
  /** `again`: the file may be whole on the remote (it arrived cut short): read it again next sync. */
  | { kind: 'corrupt-file'; file: string; reason: string; hint: string; again?: boolean }
  | { kind: 'newer-format'; file: string; format: number; hint: string }
  | { kind: 'clock-ahead'; replica: string; aheadMs: number; hint: string }
  | { kind: 'keychain'; message: string; hint: string }
  | { kind: 'internal'; message: string; hint: string };

export type TidemarkErrorKind = TidemarkErrorDetail['kind'];

/** An expected failure; `detail` is what crosses process boundaries. */
export class TidemarkError extends Error {
  readonly detail: TidemarkErrorDetail;
  constructor(detail: TidemarkErrorDetail) {
    super(describeError(detail));
    this.name = 'TidemarkError';
    this.detail = detail;
  }
}

export function isTidemarkError(value: unknown): value is TidemarkError {
  return value instanceof TidemarkError;
}

/** One line that names the problem (the hint goes on the next line). */
export function describeError(detail: TidemarkErrorDetail): string {
  switch (detail.kind) {
    case 'database-missing':
      return `No database at ${detail.path}`;
    case 'not-sqlite':
      return `${detail.path} is not a SQLite database`;
    case 'not-initialized':
      return `${detail.path} is not a Tidemark database yet`;
    case 'database-locked':
      return `${detail.path} is locked by another program`;
    case 'table-missing':
      return `No table named "${detail.table}"`;
    case 'table-untrackable':
      return `Table "${detail.table}" cannot be tracked: ${detail.reason}`;
    case 'table-not-tracked':
      return `Table "${detail.table}" is not tracked`;
    case 'column-missing':
      return `Table "${detail.table}" has no column "${detail.column}"`;
    case 'constraint':
      return `Table "${detail.table}" refused the write: ${detail.message}`;
    case 'invalid-input':
      return `Invalid ${detail.field}: ${detail.message}`;
    case 'remote-auth':
      return `The remote ${detail.remote} refused our credentials`;
    case 'remote-not-found':
      return `The remote ${detail.remote} does not exist`;
    case 'remote-unreachable':
      return `Cannot reach the remote ${detail.remote}`;
    case 'remote-not-writable':
      return `Cannot write to the remote ${detail.remote}`;
    case 'remote-io':
      return `The remote ${detail.remote} failed: ${detail.message}`;
    case 'remote-not-configured':
      return 'This database has no remote yet';
    case 'dataset-mismatch':
      return `The remote holds another dataset (${detail.found}, this database belongs to ${detail.expected})`;
    case 'head-moved':
      return `The head of replica ${detail.replica} changed while we were writing it`;
    case 'identity-conflict':
      return `Another copy of this database (replica ${detail.replica}) is already writing to the remote`;
    case 'corrupt-file':
      return `${detail.file} is damaged: ${detail.reason}`;
    case 'newer-format':
      return `${detail.file} uses format ${detail.format}, newer than this version of Tidemark understands`;
    case 'clock-ahead':
      return `Replica ${detail.replica} stamped its changes ${Math.round(detail.aheadMs / 3_600_000)} hours ahead of this device's clock`;
    case 'keychain':
      return `The OS keychain failed: ${detail.message}`;
    case 'internal':
      return `Internal error: ${detail.message}`;
  }
}
