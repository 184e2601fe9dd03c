// Serializable types shared by the engine, the CLI, main, preload and renderer.

/** One row of ZV_CHANGE together with its transaction's author. */
export interface Change {
  id: string;
  transactionId: string;
  author: string;
  entityType: string;
  entityId: string;
  attribute: string;
  /** JSON text of the value before; null when the attribute did not exist. */
  oldValue: string | null;
  /** JSON text of the value after. */
  newValue: string | null;
}

/** A change as the history shows it: with the time its id was stamped. */
export interface HistoryEntry extends Change {
  time: number;
}

export interface HistoryQuery {
  table?: string;
  entityId?: string;
  author?: string;
  transactionId?: string;
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  /** Milliseconds since the epoch, exclusive. */
  until?: number;
  /** Page cursor: only changes with a smaller id (newest first). */
  before?: string;
  limit?: number;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `before` for the next page; null on the last page. */
  next: string | null;
}

export interface TrackedTableStatus {
  table: string;
  primaryKey: string;
  rows: number;
  changes: number;
}

export interface DatabaseStatus {
  path: string;
  databaseUuid: string;
  name: string;
  tracked: TrackedTableStatus[];
  changes: number;
  transactions: number;
  authors: number;
  /** Changes kept in the log for a table or column this database lacks. */
  waiting: number;
  /** Concurrent edits the person has not settled yet. */
  conflicts: number;
}

/** A write through the API: puts and deletes applied as one transaction. */
export type WriteOp =
  | { op: 'put'; table: string; id: string | number; values: Record<string, unknown> }
  | { op: 'delete'; table: string; id: string | number };

export interface TableInfo {
  name: string;
  tracked: boolean;
  /** Why the table cannot be tracked, when it cannot. */
  untrackableReason?: string;
  hint?: string;
}

export type ReplicaState = 'self' | 'pending' | 'trusted' | 'rejected' | 'revoked';

/** A replica as `tidemark replicas` and the app show it. */
export interface ReplicaInfo {
  replica: string;
  name: string;
  state: ReplicaState;
  isSelf: boolean;
  /** The newest change id it has published (for this device: made). */
  last: string | null;
  lastTime: number | null;
  /** Its changes this database holds. */
  held: number;
  /** Its changes on the remote (for this device: pushed). */
  published: number;
  /** Changes not yet here (for this device: not yet pushed). */
  lag: number;
  problem: string | null;
  clockWarning: string | null;
  seenAt: string | null;
  /** Human-checkable fingerprint of its keys; null until it has published them. */
  fingerprint: string | null;
}

/** What one sync did and what it cost. */
export interface SyncSummary {
  pushed: number;
  pulled: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  /** Other replicas on the remote. */
  replicas: number;
  /** Replicas whose files were refused (quarantined), with the reason. */
  problems: Array<{ replica: string; message: string; hint: string }>;
  /** Replicas waiting for the person to approve or reject them. */
  pending: string[];
  warnings: string[];
  durationMs: number;
}

/** A concurrent edit: both values, who wrote them, and which one the merge kept. */
export interface ConflictInfo {
  id: number;
  table: string;
  entityId: string;
  attribute: string;
  /** What this replica held when the other change arrived. */
  mine: { change: string; value: string | null; author: string; time: number };
  theirs: { change: string; value: string | null; author: string; time: number };
  /** The value the merge kept (the greater change id). */
  winner: 'mine' | 'theirs';
  /** The transaction that settled it, once the person chose. */
  resolvedBy: string | null;
}
