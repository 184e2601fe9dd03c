// applyChanges (DESIGN.md section 2): the change log is a grow-only set merged
// by change id; every entity a new change touches is recomputed from the log
// (or, for an entity new to this replica, from the changes that made it).
// Runs inside the caller's transaction, with capture switched off.

import type { Change } from '../../shared/types';
import type { ChangeLog } from './change-log';
import type { ClockWarning, Hlc } from './hlc';
import type { EntityToWrite, Materializer } from './materialize';
import type { ConflictDetector } from './conflicts';

export interface ApplyResult {
  /** Changes that were new to this database. */
  applied: number;
  /** Changes it already held. */
  duplicates: number;
  /** Tables whose rows may have changed. */
  tables: Set<string>;
  /** Entities that wait for a table, column or constraint before they can be written. */
  waiting: number;
  warnings: ClockWarning[];
}

export function applyToLog(
  changes: readonly Change[],
  log: ChangeLog,
  hlc: Hlc,
  materializer: Materializer,
  conflicts?: ConflictDetector,
): ApplyResult {
  const merge = createMerge(log, hlc, materializer, conflicts);
  merge.add(changes);
  return merge.finish();
}

export interface Merge {
  /** Puts changes into the log (sorted by id within this call). */
  add(changes: readonly Change[]): void;
  /** Writes every touched entity's row, once, in the order they were first touched. */
  finish(): ApplyResult;
}

/**
 * applyToLog for changes that arrive in chunks (a streamed batch or snapshot)
 * inside one transaction: each chunk goes into the log as it comes, and rows
 * are written once at the end, as if all the chunks had been one call.
 */
export function createMerge(log: ChangeLog, hlc: Hlc, materializer: Materializer, conflicts?: ConflictDetector): Merge {
  const result: ApplyResult = { applied: 0, duplicates: 0, tables: new Set(), waiting: 0, warnings: [] };
  const touched = new Map<string, Touched>();
  const knownTransactions = new Set<string>();
  let newest: string | null = null;
  const writer = log.writer();

  const add = (changes: readonly Change[]) => {
    // Applying in id order writes parents before their children.
    const ordered = isSortedById(changes) ? changes : [...changes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    // Entities the log never held, changed here by one author: nothing of
    // theirs can conflict and their rows follow from these changes alone, so
    // their changes go in 64 per statement and the rows are built without
    // reading the log back. Every other change takes the careful path.
    const fresh = freshEntities(log, ordered);
    let queued: Change[] = [];
    const flushQueued = () => {
      if (queued.length === 0) return;
      const ignored = new Set<object>();
      writer.flush((change) => ignored.add(change));
      for (const change of queued) {
        if (ignored.size > 0 && ignored.has(change)) {
          result.duplicates += 1;
          continue;
        }
        result.applied += 1;
        if (newest === null || change.id > newest) newest = change.id;
        const key = `${change.entityType}\0${change.entityId}`;
        let entry = touched.get(key);
        if (!entry) touched.set(key, (entry = { type: change.entityType, id: change.entityId, latest: new Map() }));
        entry.latest?.set(change.attribute, change.newValue);
      }
      queued = [];
    };

    for (const change of ordered) {
      if (!knownTransactions.has(change.transactionId)) {
        log.insertTransaction(change.transactionId, change.author);
        knownTransactions.add(change.transactionId);
      }
      const key = `${change.entityType}\0${change.entityId}`;
      if (fresh.has(key)) {
        writer.add(change);
        queued.push(change);
        if (queued.length >= QUEUE_LIMIT) flushQueued();
        continue;
      }
      flushQueued(); // keeps the log's insertion order that of the ids
      if (!log.insertChange(change)) {
        result.duplicates += 1;
        continue;
      }
      result.applied += 1;
      conflicts?.check(change);
      if (newest === null || change.id > newest) newest = change.id;
      const entry = touched.get(key);
      // An entity built from an earlier chunk's changes is now read back from the log.
      if (!entry) touched.set(key, { type: change.entityType, id: change.entityId, latest: null });
      else entry.latest = null;
    }
    flushQueued();
  };

  return {
    add,
    finish() {
      if (newest !== null) {
        const warning = hlc.observe(newest);
        if (warning) result.warnings.push(warning);
      }
      materializer.materializeMany(entitiesToWrite(touched.values()), (entity, outcome) => {
        if (outcome === 'untracked' || outcome === 'waiting') result.waiting += 1;
        else result.tables.add(entity.type);
      });
      touched.clear();
      return result;
    },
  };
}

/** An entity a new change touched; `latest` holds its values when they follow from this call alone. */
interface Touched {
  type: string;
  id: string;
  latest: Map<string, string | null> | null;
}

function* entitiesToWrite(touched: Iterable<Touched>): Generator<EntityToWrite> {
  for (const entry of touched) {
    const latest = entry.latest ? [...entry.latest].map(([attribute, value]) => ({ attribute, value })) : undefined;
    yield { type: entry.type, id: entry.id, latest };
  }
}

/** Changes queued before they are written (and their entities' values taken). */
const QUEUE_LIMIT = 4096;

/** The `type\0id` keys of entities the log holds nothing of, all of whose changes here share one author. */
function freshEntities(log: ChangeLog, changes: readonly Change[]): Set<string> {
  const authorOf = new Map<string, string | null>();
  const idsByType = new Map<string, string[]>();
  for (const change of changes) {
    const key = `${change.entityType}\0${change.entityId}`;
    const author = authorOf.get(key);
    if (author === undefined) {
      authorOf.set(key, change.author);
      let ids = idsByType.get(change.entityType);
      if (!ids) idsByType.set(change.entityType, (ids = []));
      ids.push(change.entityId);
    } else if (author !== null && author !== change.author) authorOf.set(key, null);
  }
  const fresh = new Set<string>();
  for (const [type, ids] of idsByType) {
    const known = log.knownEntities(type, ids);
    for (let i = 0; i < ids.length; i++) {
      const key = `${type}\0${ids[i]}`;
      if (!known[i] && authorOf.get(key) !== null) fresh.add(key);
    }
  }
  return fresh;
}

function isSortedById(changes: readonly Change[]): boolean {
  for (let i = 1; i < changes.length; i++) if (changes[i - 1]!.id >= changes[i]!.id) return false;
  return true;
}
