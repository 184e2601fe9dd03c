// Words for transactions and changes: "Edited n-sync · title", "Added 3 rows".

import type { HistoryEntry } from '../../../../shared/types';
import type { RowLabel, TransactionSummary } from '../../../../shared/app-types';
import { shortId } from '../../../../shared/value-format';
import { plural } from '../../components/format';

/** A row as people know it: its title-like value, else its (shortened) key. */
export function rowName(entityId: string, label: string | null | undefined): string {
  return label ?? shortId(entityId);
}

export function describeTransaction(t: TransactionSummary): string {
  const edited = Math.max(0, t.entities - t.created - t.deleted);
  if (t.entities === 1) {
    const id = rowName(t.preview[0]?.entityId ?? '', t.preview[0]?.label);
    if (t.created && t.deleted) return `Added and deleted ${id}`;
    if (t.created) return `Added ${id}`;
    if (t.deleted) return `Deleted ${id}`;
    if (t.preview.some((p) => p.attribute === '_deleted')) return `Restored ${id}`;
    return `Edited ${id}`;
  }
  const parts = [t.created && `added ${plural(t.created, 'row')}`, edited && `edited ${plural(edited, 'row')}`, t.deleted && `deleted ${plural(t.deleted, 'row')}`].filter(Boolean) as string[];
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The attributes a one-row transaction touched, for the list's second line. */
export function attributesOf(t: TransactionSummary): string {
  const names = [...new Set(t.preview.map((p) => p.attribute).filter((a) => a !== '_deleted'))];
  const more = t.changes > t.preview.length ? '…' : '';
  return names.join(', ') + (names.length ? more : '');
}

export interface EntityChanges {
  table: string;
  entityId: string;
  label: string | null;
  kind: 'added' | 'deleted' | 'restored' | 'edited';
  changes: HistoryEntry[];
}

/** A transaction's changes by row, rows in the order they were first touched. */
export function groupByEntity(changes: HistoryEntry[], labels: RowLabel[] = []): EntityChanges[] {
  const labelOf = new Map(labels.map((l) => [`${l.table}\0${l.entityId}`, l.label]));
  const groups = new Map<string, EntityChanges>();
  for (const change of [...changes].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const key = `${change.entityType}\0${change.entityId}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { table: change.entityType, entityId: change.entityId, label: labelOf.get(key) ?? null, kind: 'edited', changes: [] }));
    group.changes.push(change);
  }
  for (const group of groups.values()) {
    const deleted = group.changes.some((c) => c.attribute === '_deleted' && c.newValue === '1');
    const restored = group.changes.some((c) => c.attribute === '_deleted' && c.newValue === '0');
    const created = group.changes.some((c) => c.attribute !== '_deleted' && c.oldValue === null);
    group.kind = deleted ? 'deleted' : created ? 'added' : restored ? 'restored' : 'edited';
  }
  return [...groups.values()];
}
