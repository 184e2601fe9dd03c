// The one contract between the UI and the main process (STYLE.md "IPC, the safe
// way"). Each key is a method: its zod schema validates input at runtime in
// main, its `returns<T>()` fixes the output type. Channel names, the preload's
// `window.tidemark`, the HTTP routes of `tidemark serve` and the renderer's
// client are all generated from these keys, so a method exists everywhere or
// nowhere. Adding a key without a handler fails the type check (src/main/ipc/handlers.ts).
// Sync, trust and conflicts are here too (remote.*, sync.*, replicas.*,
// conflicts.*, snapshot.*, gc.*), with their shapes in ./sync-types.

import { z } from 'zod';
import type {
  AppInfo,
  AuthorInfo,
  CommitNotice,
  DatabaseSummary,
  EntityTimeline,
  FileInspection,
  RevertPlan,
  RowsPage,
  TableSummary,
  TransactionDetail,
  TransactionPage,
  WriteSummary,
} from './app-types';
import type { TidemarkErrorDetail } from './errors';
import type {
  ConflictsView,
  PendingNotice,
  RemoteTestResult,
  RemoteView,
  ReplicasView,
  SnapshotInfo,
  StorageReport,
  SyncFinishedNotice,
  SyncProgressNotice,
  SyncRun,
  SyncStatus,
} from './sync-types';

export interface MethodSpec<I extends z.ZodType, O> {
  input: I;
  /** Phantom: carries the output type only. */
  output: O;
}

const method = <I extends z.ZodType>(input: I) => ({
  returns: <O>(): MethodSpec<I, O> => ({ input, output: undefined as O }),
});

const path = z
  .string()
  .trim()
  .min(1, 'give a file path')
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path cannot contain NUL');
const databaseId = z.string().regex(/^db_[a-z0-9]{6,32}$/, 'not a database id');
const name = z.string().trim().min(1, 'give a name').max(100, 'use at most 100 characters');
const table = z.string().min(1).max(256);
const entityId = z.string().min(1).max(1024);
const changeId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a change or transaction id');
// Names the app itself creates: plain identifiers only (they are quoted anyway).
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'use letters, digits and _ (not starting with a digit)')
  .refine((n) => !/^(zv_|sqlite_)/i.test(n), 'names starting with ZV_ or sqlite_ are reserved');
const columnType = z.enum(['TEXT', 'INTEGER', 'REAL', 'NUMERIC', 'BLOB']);
const time = z.number().int().min(0).max(8.64e15);
const cell = z.union([z.string().max(1_000_000), z.number(), z.boolean(), z.null()]);
const pageSize = (max: number) => z.number().int().min(1).max(max).optional();

const replica = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a replica id');
const fingerprint = z.string().regex(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/, 'not a fingerprint');
// Printable ASCII without spaces: what access keys are made of (no newline can sneak into the keychain).
const keyText = (max: number) => z.string().trim().min(1, 'enter it').max(max).regex(/^[\x21-\x7e]+$/, 'use the key as given, without spaces');
const graceHours = z.number().int().min(0).max(100_000).optional();

export const remoteDraft = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('folder'), path }),
  z.strictObject({
    kind: z.literal('s3'),
    bucket: z.string().trim().min(3, 'give the bucket name').max(63),
    prefix: z.string().trim().max(1024).refine((p) => !p.includes('\0'), 'a prefix cannot contain NUL'),
    endpoint: z.string().trim().max(2048).regex(/^https?:\/\/[^\s/]+[^\s]*$/, 'use an http(s) URL, e.g. https://s3.example.com').nullable(),
    region: z.string().trim().regex(/^[a-z0-9-]{1,40}$/, 'use a region name such as eu-central-1').nullable(),
    pathStyle: z.boolean(),
  }),
]);
const credentials = { accessKeyId: keyText(256), secretAccessKey: keyText(1024) };

export const historyFilter = z.strictObject({
  table: table.optional(),
  entityId: entityId.optional(),
  author: z.string().min(1).max(64).optional(),
  since: time.optional(),
  until: time.optional(),
  text: z.string().max(200).optional(),
});

export const contract = {
  'app.info': method(z.strictObject({})).returns<AppInfo>(),

  'databases.list': method(z.strictObject({})).returns<DatabaseSummary[]>(),
  'databases.inspect': method(z.strictObject({ path })).returns<FileInspection>(),
  /** Creates a new database file; `replicaName` names this device in it (default: the host name). */
  'databases.create': method(z.strictObject({ path, replicaName: name.optional() })).returns<DatabaseSummary>(),
  /** Opens a Tidemark database, or adopts a plain SQLite file (adds Tidemark's ZV_ tables). */
  'databases.open': method(z.strictObject({ path })).returns<DatabaseSummary>(),
  /** Forgets the database in the app; the file is never deleted. */
  'databases.remove': method(z.strictObject({ databaseId })).returns<{ removed: boolean }>(),
  /** Renames this device (replica) as other devices will see it. */
  'databases.setReplicaName': method(z.strictObject({ databaseId, name })).returns<DatabaseSummary>(),

  /** Creates a table with a text primary key (safe to create on any device), optionally tracked at once. */
  'tables.create': method(
    z.strictObject({
      databaseId,
      name: identifier,
      key: identifier.optional(),
      columns: z.array(z.strictObject({ name: identifier, type: columnType, notNull: z.boolean().optional() })).max(200),
      track: z.boolean(),
    }),
  ).returns<TableSummary>(),
  'tables.list': method(z.strictObject({ databaseId })).returns<TableSummary[]>(),
  'tables.track': method(z.strictObject({ databaseId, tables: z.array(table).min(1).max(500) })).returns<
    { table: string; changes: number }[]
  >(),
  'tables.untrack': method(z.strictObject({ databaseId, table })).returns<{ untracked: boolean }>(),

  'rows.page': method(
    z.strictObject({ databaseId, table, after: z.string().max(4096).optional(), limit: pageSize(1000) }),
  ).returns<RowsPage>(),
  /** Creates the row or changes the given cells; values as typed, SQLite's column affinity applies. */
  'rows.put': method(
    z.strictObject({ databaseId, table, id: entityId, values: z.record(z.string().min(1).max(256), cell) }),
  ).returns<WriteSummary>(),
  'rows.delete': method(z.strictObject({ databaseId, table, ids: z.array(entityId).min(1).max(10_000) })).returns<WriteSummary>(),

  /** Transactions newest first; filtered pages do bounded work and report how far back they searched. */
  'history.transactions': method(
    z.strictObject({ databaseId, filter: historyFilter, before: changeId.optional(), limit: pageSize(500) }),
  ).returns<TransactionPage>(),
  'history.transaction': method(
    z.strictObject({ databaseId, transactionId: changeId, before: changeId.optional(), limit: pageSize(5000) }),
  ).returns<TransactionDetail>(),
  'history.entity': method(
    z.strictObject({ databaseId, table, entityId, before: changeId.optional(), limit: pageSize(2000) }),
  ).returns<EntityTimeline>(),
  'history.authors': method(z.strictObject({ databaseId })).returns<AuthorInfo[]>(),
  'history.planRevert': method(z.strictObject({ databaseId, transactionId: changeId })).returns<RevertPlan>(),
  /** Writes new changes restoring the old values; refuses when values changed since unless confirmed. */
  'history.revert': method(
    z.strictObject({ databaseId, transactionId: changeId, overwriteChangedSince: z.boolean() }),
  ).returns<WriteSummary>(),

  /** The database's remote (never a secret), and the folder the form suggests. */
  'remote.get': method(z.strictObject({ databaseId })).returns<RemoteView>(),
  /** Points the database at a folder or S3 bucket; moving to another re-uploads this device's changes there. */
  'remote.set': method(z.strictObject({ databaseId, remote: remoteDraft, encrypt: z.boolean() })).returns<RemoteView>(),
  /** One LIST of the remote's replicas and a look at its dataset; a draft (with typed keys) is tested before saving. */
  'remote.test': method(
    z.strictObject({ databaseId, draft: remoteDraft.optional(), credentials: z.strictObject(credentials).optional() }),
  ).returns<RemoteTestResult>(),
  /** Stores the S3 keys in the OS keychain; only "set" ever comes back. */
  'remote.setCredentials': method(z.strictObject({ databaseId, ...credentials })).returns<RemoteView>(),

  /** Syncs now (joins a sync already running); progress arrives as `sync.progress` events. */
  'sync.now': method(z.strictObject({ databaseId })).returns<SyncRun>(),
  'sync.status': method(z.strictObject({ databaseId })).returns<SyncStatus>(),
  /** Automatic sync for this database: every N minutes (null: never) and/or after changes. */
  'sync.settings': method(
    z.strictObject({ databaseId, intervalMinutes: z.number().int().min(1).max(1440).nullable(), onChange: z.boolean() }),
  ).returns<SyncStatus>(),
  /** Syncs and publishes a snapshot of the whole log, so a new device joins with one download. */
  'snapshot.publish': method(z.strictObject({ databaseId })).returns<{ run: SyncRun; snapshot: SnapshotInfo | null }>(),
  /** The remote's size, and which of this device's files a snapshot makes unnecessary. */
  'gc.plan': method(z.strictObject({ databaseId, graceHours })).returns<StorageReport>(),
  /** Deletes what the plan lists now (recomputed here, never taken from the caller). */
  'gc.run': method(z.strictObject({ databaseId, graceHours })).returns<{ deleted: number; bytes: number; report: StorageReport }>(),

  'replicas.list': method(z.strictObject({ databaseId })).returns<ReplicasView>(),
  /** Trusts a replica; `fingerprint` is the one the person compared, refused if its keys changed since. */
  'replicas.approve': method(z.strictObject({ databaseId, replica, fingerprint })).returns<ReplicasView>(),
  'replicas.reject': method(z.strictObject({ databaseId, replica })).returns<ReplicasView>(),
  'replicas.revoke': method(z.strictObject({ databaseId, replica })).returns<ReplicasView>(),
  /** Accepts changes of a replica whose clock ran far ahead (they wait in quarantine until then). */
  'replicas.acceptClock': method(z.strictObject({ databaseId, replica })).returns<ReplicasView>(),

  'conflicts.list': method(z.strictObject({ databaseId, all: z.boolean().optional() })).returns<ConflictsView>(),
  /** Settles a concurrent edit with mine, theirs, or a new value (JSON text), written as a new change. */
  'conflicts.resolve': method(
    z.strictObject({
      databaseId,
      id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
      keep: z.union([z.literal('mine'), z.literal('theirs'), z.strictObject({ value: z.string().max(1_000_000) })]),
    }),
  ).returns<WriteSummary>(),
} as const;

/** Events main pushes to every window (no polling anywhere). */
export const events = {
  /** Changes committed to a database: by the app, another program, or (later) sync. */
  commit: {} as CommitNotice,
  /** The list of databases, or one's name or availability, changed. */
  'databases.changed': {} as DatabaseSummary[],
  /** Another program wrote to the file (schema or untracked tables too): views of it may be stale. */
  'database.externalWrite': {} as { databaseId: string },
  /** A sync started or moved on (throttled). */
  'sync.progress': {} as SyncProgressNotice,
  /** A sync ended, well or not, with the database's new sync status. */
  'sync.finished': {} as SyncFinishedNotice,
  /** Replicas waiting for the person to approve them (after each sync and decision). */
  'replicas.pending': {} as PendingNotice,
} as const;

export type Contract = typeof contract;
export type Method = keyof Contract;
export type Input<M extends Method> = z.output<Contract[M]['input']>;
/** What a caller may pass (before defaults and trimming). */
export type InputArg<M extends Method> = z.input<Contract[M]['input']>;
export type Output<M extends Method> = Contract[M]['output'];
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = (typeof events)[E];

export type Result<T> = { ok: true; value: T } | { ok: false; error: TidemarkErrorDetail };

export const methodNames = Object.keys(contract) as Method[];
export const eventNames = Object.keys(events) as EventName[];

export function isMethod(value: unknown): value is Method {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(contract, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(events, value);
}

/** IPC channel of a method: `tidemark:databases.list`. */
export const methodChannel = (m: Method) => `tidemark:${m}`;
/** IPC channel of a pushed event: `tidemark:event:commit`. */
export const eventChannel = (e: EventName) => `tidemark:event:${e}`;
