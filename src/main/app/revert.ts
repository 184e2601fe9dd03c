// Reverting a transaction writes new changes that put back what it replaced;
// the log itself is never rewritten (DESIGN.md 2: a grow-only set). A value
// someone changed after the transaction is flagged, and overwritten only when
// the person confirms.

import type { RevertItem, RevertPlan, WriteSummary } from '../../shared/app-types';
import { TidemarkError } from '../../shared/errors';
import type { Change, WriteOp } from '../../shared/types';
import type { TidemarkDatabase } from '../engine/database';
import { MAX_PAGE } from '../engine/history';
import { decodeValue } from '../engine/values';
import { createLabeler, type Labeler } from './row-labels';

/** Reverting more than this from the app would be one enormous write; the CLI is the place. */
export const MAX_REVERT_CHANGES = 100_000;

function changesOf(db: TidemarkDatabase, transactionId: string): Change[] {
  const all: Change[] = [];
  let before: string | undefined;
  for (;;) {
    const page = db.history({ transactionId, before, limit: MAX_PAGE });
    all.push(...page.entries);
    if (all.length > MAX_REVERT_CHANGES) {
      throw new TidemarkError({
        kind: 'invalid-input',
        field: 'transactionId',
        message: `the transaction has more than ${MAX_REVERT_CHANGES.toLocaleString('en')} changes`,
        hint: 'Revert it in smaller parts: edit the rows, or restore a backup of the database.',
      });
    }
    if (!page.next) break;
    before = page.next;
  }
  return all.reverse(); // oldest first: the order they were written
}

export function planRevert(db: TidemarkDatabase, transactionId: string): RevertPlan {
  const changes = changesOf(db, transactionId);
  if (changes.length === 0) {
    throw new TidemarkError({ kind: 'invalid-input', field: 'transactionId', message: 'no such transaction in this database', hint: 'Reload the history.' });
  }
  const tracked = new Set(db.trackedShapes().map((s) => s.name));
  const untracked = [...new Set(changes.map((c) => c.entityType))].filter((t) => !tracked.has(t));
  const byEntity = new Map<string, Change[]>();
  for (const change of changes) {
    const key = `${change.entityType}\0${change.entityId}`;
    byEntity.set(key, [...(byEntity.get(key) ?? []), change]);
  }

  const items: RevertItem[] = [];
  const label = createLabeler(db);
  for (const group of byEntity.values()) items.push(...planEntity(db, group, label));
  return {
    transactionId,
    items,
    changedSince: items.filter((i) => i.changedSince).length,
    blocked: untracked.length
      ? `${untracked.map((t) => `"${t}"`).join(', ')} ${untracked.length === 1 ? 'is' : 'are'} no longer tracked here: track ${untracked.length === 1 ? 'it' : 'them'} again to revert this transaction.`
      : null,
  };
}

function planEntity(db: TidemarkDatabase, changes: Change[], label: Labeler): RevertItem[] {
  const { entityType: table, entityId } = changes[0]!;
  const name = label(table, entityId);
  const current = (attribute: string) => db.log.latest(table, entityId, attribute) ?? null;
  const alive = current('_deleted') !== '1';
  const deletion = changes.find((c) => c.attribute === '_deleted' && c.newValue === '1');
  // `_deleted` starts absent (old NULL) on a live row, so only a column without
  // a previous value, or an explicit 0, says the transaction made the row.
  const created = changes.some((c) => (c.attribute !== '_deleted' && c.oldValue === null) || (c.attribute === '_deleted' && c.newValue === '0'));
  const item = (partial: Pick<RevertItem, 'action' | 'attribute' | 'wrote' | 'current' | 'restore' | 'changedSince' | 'note'>): RevertItem => ({
    table,
    entityId,
    label: name,
    ...partial,
  });
  // Edits made after the transaction to attributes it wrote.
  const editedSince = changes.filter((c) => c.attribute !== '_deleted' && current(c.attribute) !== c.newValue);

  if (created && !deletion) {
    if (!alive) return []; // already gone: nothing to undo
    return [
      item({
        action: 'delete-row',
        attribute: '_deleted',
        wrote: '0',
        current: '0',
        restore: '1',
        changedSince: editedSince.length > 0,
        note: editedSince.length ? `Edited since (${editedSince.map((c) => c.attribute).join(', ')}): deleting the row discards those edits.` : 'The transaction created this row; reverting deletes it.',
      }),
    ];
  }
  if (deletion && !created) {
    return [
      item({
        action: 'restore-row',
        attribute: '_deleted',
        wrote: '1',
        current: alive ? '0' : '1',
        restore: '0',
        changedSince: alive,
        note: alive ? 'The row was brought back since; its values are kept.' : 'The transaction deleted this row; reverting brings it back with its last values.',
      }),
    ];
  }
  if (deletion && created) return []; // created and deleted in one go: nothing remains to undo

  return changes
    .filter((c) => c.attribute !== '_deleted' && current(c.attribute) !== c.oldValue)
    .map((c) =>
      item({
        action: 'set',
        attribute: c.attribute,
        wrote: c.newValue,
        current: current(c.attribute),
        restore: c.oldValue,
        changedSince: current(c.attribute) !== c.newValue || !alive,
        note: !alive ? 'The row was deleted since; reverting brings it back.' : null,
      }),
    );
}

export function applyRevert(db: TidemarkDatabase, transactionId: string, overwriteChangedSince: boolean): WriteSummary {
  const plan = planRevert(db, transactionId);
  if (plan.blocked) {
    const table = plan.items[0]?.table ?? '';
    throw new TidemarkError({ kind: 'table-not-tracked', table, hint: plan.blocked });
  }
  if (plan.changedSince > 0 && !overwriteChangedSince) {
    throw new TidemarkError({
      kind: 'invalid-input',
      field: 'overwriteChangedSince',
      message: `${plan.changedSince} value${plan.changedSince === 1 ? '' : 's'} changed after this transaction`,
      hint: 'Review what changed since and confirm to overwrite it.',
    });
  }
  if (plan.items.length === 0) return { transactionId: null, changes: 0 };
  const columnsOf = new Map(db.trackedShapes().map((s) => [s.name, s.columns]));
  const ops: WriteOp[] = [];
  const puts = new Map<string, Extract<WriteOp, { op: 'put' }>>();
  for (const item of plan.items) {
    if (item.action === 'delete-row') {
      ops.push({ op: 'delete', table: item.table, id: item.entityId });
      continue;
    }
    const key = `${item.table}\0${item.entityId}`;
    let put = puts.get(key);
    if (!put) {
      // A row that is gone comes back whole, from its last values in the log.
      const values: Record<string, unknown> = {};
      if (db.log.latest(item.table, item.entityId, '_deleted') === '1') {
        const columns = columnsOf.get(item.table) ?? [];
        for (const { attribute, value } of db.log.latestOfEntity(item.table, item.entityId)) {
          if (columns.includes(attribute)) values[attribute] = decodeValue(value);
        }
      }
      put = { op: 'put', table: item.table, id: item.entityId, values };
      puts.set(key, put);
      ops.push(put);
    }
    if (item.action === 'set') put.values[item.attribute] = decodeValue(item.restore);
  }
  const result = db.write(ops);
  return { transactionId: result.transactionId, changes: result.changes };
}
