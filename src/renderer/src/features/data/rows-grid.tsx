// The rows of one table as a dense grid. ← → ↑ ↓ move the cell, Enter or F2
// (or a double-click) edits it, Delete removes the row after asking.
// Only tracked tables are editable: every edit is recorded as a change.

import { useCallback, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import type { ColumnInfo, RowData, TableSummary } from '../../../../shared/app-types';
import { showValue } from '../../../../shared/value-format';
import { EmptyState } from '../../components/empty-state';
import { ErrorNotice } from '../../components/error-notice';
import { plural } from '../../components/format';
import { Icon } from '../../components/icons';
import { ValueView } from '../../components/value-view';
import { VirtualList } from '../../components/virtual-list';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';
import { AddRowDialog } from './add-row-dialog';
import { CellEditor } from './cell-editor';
import { DeleteRowDialog } from './delete-row-dialog';

const ROW_HEIGHT = 32;

function widthOf(column: ColumnInfo): number {
  if (column.primaryKey) return 230;
  if (/INT|REAL|FLOA|DOUB|NUM|DEC|BOOL/i.test(column.type)) return 136;
  if (/BLOB/i.test(column.type)) return 120;
  return 240;
}

export function RowsGrid({ table }: { table: TableSummary | null }) {
  const { rows: store, ui } = useStores();
  const { columns, rows, total, editable, error, loading, next } = useStore(store);
  const [cursor, setCursor] = useState({ row: 0, column: 1 });
  const [editing, setEditing] = useState(false);
  const [dialog, setDialog] = useState<'add' | 'delete' | null>(null);
  const header = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLDivElement>(null);

  const template = useMemo(() => `${columns.map((c) => `${widthOf(c)}px`).join(' ')} minmax(0, 1fr)`, [columns]);
  const contentWidth = useMemo(() => columns.reduce((w, c) => w + widthOf(c), 0), [columns]);
  const selectedRow: RowData | undefined = rows[cursor.row];
  const onEndReached = useCallback(() => void store.getState().loadMore(), [store]);
  const focusGrid = () => list.current?.querySelector<HTMLElement>('.vlist')?.focus();

  const save = async (value: string | null) => {
    const column = columns[cursor.column];
    if (!selectedRow || !column) return;
    try {
      const result = await store.getState().put(selectedRow.id, { [column.name]: value });
      if (result.changes === 0) ui.getState().notify({ tone: 'info', text: 'No change: the value is the same' });
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: `Could not save ${column.name}`, detail: detailOf(e) });
    }
    setEditing(false);
    focusGrid();
  };

  const startEdit = () => {
    const column = columns[cursor.column];
    if (!editable || !selectedRow || !column) return;
    if (column.primaryKey) {
      ui.getState().notify({ tone: 'info', text: 'The key identifies the row on every device; add a new row instead of changing it.' });
      return;
    }
    if (showValue(selectedRow.cells[cursor.column] ?? null).kind === 'blob') {
      ui.getState().notify({ tone: 'info', text: 'Binary values cannot be edited here.' });
      return;
    }
    setEditing(true);
  };

  const onKey = (event: KeyboardEvent<HTMLDivElement>): boolean => {
    if (editing) return true;
    const move = (column: number) => (event.preventDefault(), setCursor((c) => ({ ...c, column: Math.max(0, Math.min(columns.length - 1, column)) })), true);
    switch (event.key) {
      case 'ArrowLeft':
        return move(cursor.column - 1);
      case 'ArrowRight':
        return move(cursor.column + 1);
      case 'Enter':
      case 'F2':
        event.preventDefault();
        startEdit();
        return true;
      case 'Delete':
      case 'Backspace':
        if (editable && selectedRow) (event.preventDefault(), setDialog('delete'));
        return true;
    }
    return false;
  };

  if (!table) return null;
  return (
    <div className="grid-screen">
      <div className="toolbar">
        <div className="toolbar-title">
          <h2>{table.name}</h2>
          <span className="muted">{total !== null ? plural(total, 'row') : ''}</span>
          {!editable && table && (
            <span className="badge" title={table.untrackableReason ?? 'Track the table on the Tables tab to edit it here.'}>
              <Icon name="lock" size={12} /> Read-only · not tracked
            </span>
          )}
        </div>
        <div className="toolbar-actions">
          <button type="button" className="btn" disabled={!editable || !selectedRow} onClick={() => setDialog('delete')}>
            <Icon name="trash" /> Delete row
          </button>
          <button type="button" className="btn primary" disabled={!editable} onClick={() => setDialog('add')}>
            <Icon name="plus" /> Add row
          </button>
        </div>
      </div>
      {error && <ErrorNotice error={error} />}
      <div className="grid" ref={list}>
        <div className="grid-header" ref={header}>
          <div className="grid-row" style={{ gridTemplateColumns: template }}>
            {columns.map((c) => (
              <div key={c.name} className="grid-cell grid-head" title={`${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''}`}>
                {c.primaryKey && <Icon name="key" size={12} className="key-icon" />}
                <span>{c.name}</span>
                <span className="column-type">{c.type.toLowerCase()}</span>
              </div>
            ))}
          </div>
        </div>
        {rows.length === 0 && !loading ? (
          <EmptyState
            icon="rows"
            title="No rows yet"
            actions={
              editable && (
                <button type="button" className="btn primary" onClick={() => setDialog('add')}>
                  Add the first row
                </button>
              )
            }
          >
            {editable ? 'Rows you add here are recorded as changes and synced.' : 'Rows written by other programs show up here.'}
          </EmptyState>
        ) : (
          <VirtualList
            items={rows}
            rowHeight={ROW_HEIGHT}
            idPrefix="row"
            label={`Rows of ${table.name}`}
            className="grid-body"
            contentWidth={contentWidth}
            getKey={(row) => row.id}
            selectedIndex={cursor.row}
            onSelect={(row) => (editing ? undefined : setCursor((c) => ({ ...c, row })))}
            onActivate={startEdit}
            onEndReached={next ? onEndReached : undefined}
            onKey={onKey}
            onScroll={(element) => header.current && (header.current.scrollLeft = element.scrollLeft)}
            renderRow={(row, index, selected) => (
              <div className="grid-row" style={{ gridTemplateColumns: template }}>
                {columns.map((c, ci) => {
                  const active = selected && ci === cursor.column;
                  return (
                    <div
                      key={c.name}
                      className={`grid-cell${active ? ' active' : ''}${c.primaryKey ? ' key-cell' : ''}`}
                      onMouseDown={() => !editing && setCursor({ row: index, column: ci })}
                    >
                      {active && editing ? (
                        <CellEditor column={c} json={row.cells[ci] ?? null} onSave={save} onCancel={() => (setEditing(false), focusGrid())} />
                      ) : (
                        <ValueView json={row.cells[ci] ?? null} max={80} />
                      )}
                    </div>
                  );
                })}
              </div>
            )}
          />
        )}
      </div>
      {dialog === 'add' && <AddRowDialog table={table} columns={columns} onClose={() => (setDialog(null), focusGrid())} />}
      {dialog === 'delete' && selectedRow && <DeleteRowDialog table={table.name} rowId={selectedRow.id} onClose={() => (setDialog(null), focusGrid())} />}
    </div>
  );
}
