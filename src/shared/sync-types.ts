// Serializable shapes of the sync, remote, replica and conflict parts of the
// contract (src/shared/contract.ts). Secrets never appear here: credentials
// are only ever "set" or "not set" on this side of the boundary.

import type { TidemarkErrorDetail } from './errors';
import type { ConflictInfo, ReplicaInfo, SyncSummary } from './types';

/** What the remote form sends: a folder, or an S3 bucket with its connection settings. */
export type RemoteDraft =
  | { kind: 'folder'; path: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint: string | null; region: string | null; pathStyle: boolean };

export interface RemoteInfo {
  kind: 'folder' | 's3';
  /** The folder path, or s3://bucket/prefix. */
  url: string;
  /** The settings as the form shows them. */
  draft: RemoteDraft;
  /** Asked to found the dataset end-to-end encrypted (matters for a new remote). */
  encrypt: boolean;
  /** Whether the dataset is encrypted, once this database has joined it (null before the first sync). */
  encrypted: boolean | null;
  datasetUuid: string | null;
  /** S3 keys: in the OS keychain, from AWS_* environment variables (they override), or missing. */
  credentials: 'not-needed' | 'set' | 'not-set' | 'environment';
}

export interface RemoteView {
  remote: RemoteInfo | null;
  /** Where the form suggests a folder remote for this database (in the app's own remote folder). */
  suggestedFolder: string;
}

export interface RemoteTestResult {
  url: string;
  /** Other replicas with a head on the remote. */
  replicas: number;
  /**
   * empty: nothing there yet (the first sync founds the dataset); joins: another
   * database's dataset this one will join; same: this database's own dataset;
   * other: a dataset this database does not belong to (a sync would be refused).
   */
  dataset: 'empty' | 'joins' | 'same' | 'other';
  encrypted: boolean;
  /** A folder that does not exist yet: saving creates it. */
  willCreate: boolean;
  ms: number;
}

/** Automatic sync, per database. Defaults: folder on change + every 5 minutes; S3 off. */
export interface SyncSettings {
  /** Minutes between syncs; null for none. */
  intervalMinutes: number | null;
  /** Sync a moment after local changes (and, for a folder, when another device writes to it). */
  onChange: boolean;
}

export type SyncTrigger = 'manual' | 'interval' | 'change' | 'remote-change' | 'decision' | 'snapshot' | 'startup';

export interface SyncRun {
  /** ISO time the sync finished. */
  at: string;
  trigger: SyncTrigger;
  ok: boolean;
  summary: SyncSummary | null;
  error: TidemarkErrorDetail | null;
}

export interface SyncProgressNotice {
  databaseId: string;
  /** 'index': a device that just joined builds its change log's by-attribute index (seconds for a million changes). */
  phase: 'connecting' | 'pull' | 'index' | 'push';
  replica: string | null;
  /** Changes done so far in this phase (for this replica when pulling; all it pulled when indexing). */
  done: number;
  total: number;
  /** Bytes transferred so far in this sync. */
  bytes: number;
  trigger: SyncTrigger;
}

export interface SnapshotInfo {
  file: string;
  /** When it was published (the time of its id). */
  time: number | null;
  changes: number;
  bytes: number;
}

export interface SyncStatus {
  databaseId: string;
  configured: boolean;
  /** The sync running now, with its latest progress. */
  progress: SyncProgressNotice | null;
  settings: SyncSettings;
  /** The settings are the defaults for this kind of remote (the person has not chosen). */
  defaultSettings: boolean;
  last: SyncRun | null;
  lastSuccess: string | null;
  /** When the next interval sync is due (ms since the epoch), while one is scheduled. */
  nextAt: number | null;
  pendingReplicas: number;
  openConflicts: number;
  snapshot: SnapshotInfo | null;
}

export interface SyncFinishedNotice {
  databaseId: string;
  run: SyncRun;
  status: SyncStatus;
}

export interface PendingReplica {
  replica: string;
  name: string;
  fingerprint: string | null;
}

export interface PendingNotice {
  databaseId: string;
  replicas: PendingReplica[];
}

export interface ReplicaView extends ReplicaInfo {
  /** Its changes wait because they are stamped far ahead of this device's clock: offer "accept". */
  clockAhead: boolean;
}

export interface ReplicasView {
  replicas: ReplicaView[];
}

export interface ConflictItem extends ConflictInfo {
  /** The row's human name (its title-like column), when it has one. */
  label: string | null;
}

export interface ConflictsView {
  conflicts: ConflictItem[];
  open: number;
  /** More conflicts exist than were returned. */
  more: boolean;
  /** Names of the replicas that wrote the values (this device included). */
  authors: { uuid: string; name: string; isSelf: boolean }[];
}

export interface StorageReport {
  files: number;
  bytes: number;
  /** Bytes by kind: batches, snapshots, heads and the rest. */
  breakdown: { batches: number; snapshots: number; heads: number; other: number };
  gc: {
    files: { key: string; bytes: number; reason: string }[];
    count: number;
    bytes: number;
    /** How far this device's changes are covered by a trusted snapshot (null: none yet). */
    coveredUpTo: string | null;
    graceHours: number;
  };
  snapshot: SnapshotInfo | null;
}
