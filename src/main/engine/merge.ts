// applyChanges (DESIGN.md section 2): the change log is a grow-only set merged
// by change id; every entity a new change touches is recomputed from the log.
// Runs inside the caller's transaction, with capture switched off.

import type { Change } from '../../shared/types';
import type { ChangeLog } from './change-log';
import type { ClockWarning, Hlc } from './hlc';
import type { Materializer } from './materialize';
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
  const result: ApplyResult = { applied: 0, duplicates: 0, tables: new Set(), waiting: 0, warnings: [] };
  // Applying in id order writes parents before their children.
  const ordered = isSortedById(changes) ? changes : [...changes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const touched = new Map<string, [string, string]>();
  const knownTransactions = new Set<string>();
  let newest: string | null = null;

  for (const change of ordered) {
    if (!knownTransactions.has(change.transactionId)) {
      log.insertTransaction(change.transactionId, change.author);
      knownTransactions.add(change.transactionId);
    }
    if (!log.insertChange(change)) {
      result.duplicates += 1;
      continue;
    }
    result.applied += 1;
    conflicts?.check(change);
    newest = change.id;
    const key = `${change.entityType}\0${change.entityId}`;
    if (!touched.has(key)) touched.set(key, [change.entityType, change.entityId]);
  }

  if (newest !== null) {
    const warning = hlc.observe(newest);
    if (warning) result.warnings.push(warning);
  }

  for (const [type, id] of touched.values()) {
    const outcome = materializer.materialize(type, id);
    if (outcome === 'untracked' || outcome === 'waiting') result.waiting += 1;
    else result.tables.add(type);
  }
  return result;
}

function isSortedById(changes: readonly Change[]): boolean {
  for (let i = 1; i < changes.length; i++) if (changes[i - 1]!.id >= changes[i]!.id) return false;
  return true;
}
