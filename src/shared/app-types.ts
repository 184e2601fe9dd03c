// Serializable shapes the app's contract returns (src/shared/contract.ts).
// Engine shapes (HistoryEntry, TableInfo, ...) live in ./types; these are the
// app's views over them. Values of cells and changes stay JSON text exactly as
// the change log stores them, so 64-bit integers, reals and blobs survive IPC.

import type { TidemarkErrorDetail } from './errors';
import type { HistoryEntry } from './types';

export interface AppInfo {
  version: string;
  /** Where the UI runs: the desktop window or a browser through `tidemark serve`. */
  host: 'electron' | 'browser';
  dataDir: string;
  /** Folder the create form suggests for new databases. */
  databasesDir: string;
  /** Default folder remote recorded on first run (wired up by sync); null before. */
  remoteFolder: string | null;
  platform: string;
}

export interface DatabaseSummary {
  /** The app's own id for this entry (stable across renames and moves of nothing). */
  id: string;
  path: string;
  /** What the person calls it: the file name without its extension. */
  title: string;
  /** This replica's human name (the device), stored in the database. */
  replicaName: string;
  /** database_uuid, null while the file cannot be opened. */
  uuid: string | null;
  available: boolean;
  /** Why the database cannot be opened right now, with what to do. */
  error: TidemarkErrorDetail | null;
  trackedTables: number;
  /** Replicas waiting for approval, and concurrent edits not settled yet (badges). */
  pendingReplicas: number;
  openConflicts: number;
}

export interface FileInspection {
  path: string;
  kind: 'missing' | 'folder' | 'not-sqlite' | 'sqlite' | 'tidemark';
  /** User tables in the file (empty unless it is SQLite). */
  tables: string[];
  /** The app already lists this file. */
  known: boolean;
}

export interface ColumnInfo {
  name: string;
  /** Declared type as written in CREATE TABLE ('' when none). */
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  hasDefault: boolean;
}

export interface TableSummary {
  name: string;
  tracked: boolean;
  untrackableReason: string | null;
  hint: string | null;
  primaryKey: string | null;
  columns: ColumnInfo[];
  rows: number;
  changes: number;
}

export interface RowData {
  /** The primary-key value as text: the entity id the change log uses. */
  id: string;
  /** JSON text of each cell, aligned with RowsPage.columns. */
  cells: (string | null)[];
}

export interface RowsPage {
  table: string;
  columns: ColumnInfo[];
  rows: RowData[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
  /** Row count, on the first page only (counting is a full scan). */
  total: number | null;
  /** Rows can be edited only in tracked tables (every edit becomes a change). */
  editable: boolean;
}

export interface WriteSummary {
  transactionId: string | null;
  changes: number;
}

export interface HistoryFilter {
  table?: string;
  entityId?: string;
  author?: string;
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  /** Milliseconds since the epoch, exclusive. */
  until?: number;
  /** Case-insensitive text in the table, entity id, attribute or values. */
  text?: string;
}

export interface ChangeRef {
  entityType: string;
  entityId: string;
  attribute: string;
  /** The row's human name (its title-like column), when it has one. */
  label: string | null;
}

export interface RowLabel {
  table: string;
  entityId: string;
  label: string;
}

export interface TransactionSummary {
  id: string;
  time: number;
  author: string;
  tables: string[];
  changes: number;
  entities: number;
  /** Rows the transaction created and deleted (the rest it edited). */
  created: number;
  deleted: number;
  /** The first few changes, for the one-line description in the list. */
  preview: ChangeRef[];
}

export interface TransactionPage {
  transactions: TransactionSummary[];
  /** Pass as `before` for the next page; null when the log is exhausted. */
  next: string | null;
  /**
   * A filtered page stops after a bounded amount of work; this is the time it
   * searched back to (null when the page is complete). The UI asks again.
   */
  searchedTo: number | null;
}

export interface TransactionDetail {
  summary: TransactionSummary;
  changes: HistoryEntry[];
  /** Human names of the rows the changes touch. */
  labels: RowLabel[];
  /** More changes exist than were returned (huge transactions are paged). */
  next: string | null;
}

export interface EntityTimeline {
  table: string;
  entityId: string;
  label: string | null;
  exists: boolean;
  /** Latest value of every attribute, from the change log. */
  current: { attribute: string; value: string | null }[];
  entries: HistoryEntry[];
  next: string | null;
}

export interface AuthorInfo {
  uuid: string;
  isSelf: boolean;
  /** Known for this replica; other replicas' names arrive with sync. */
  name: string | null;
}

export interface RevertItem {
  table: string;
  entityId: string;
  label: string | null;
  /** 'set' restores one attribute, 'delete-row' undoes a creation, 'restore-row' undoes a deletion. */
  action: 'set' | 'delete-row' | 'restore-row';
  attribute: string;
  /** The value the transaction wrote. */
  wrote: string | null;
  /** The value now. */
  current: string | null;
  /** What the revert writes back. */
  restore: string | null;
  /** Someone changed it after the transaction: reverting overwrites that. */
  changedSince: boolean;
  /** A sentence for the person when the item needs explaining. */
  note: string | null;
}

export interface RevertPlan {
  transactionId: string;
  items: RevertItem[];
  changedSince: number;
  /** A reason the transaction cannot be reverted (e.g. its table is no longer tracked). */
  blocked: string | null;
}

export interface CommitNotice {
  databaseId: string;
  source: 'local' | 'remote';
  changes: number;
  tables: string[];
}
