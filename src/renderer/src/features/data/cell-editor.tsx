// Editing one cell in place: Enter saves, Escape cancels, "NULL" stores SQL NULL,
// leaving the cell keeps the edit. The text is sent as typed; SQLite's column
// affinity makes "42" an integer in an INTEGER column, as for any other writer.

import { useRef, useState } from 'react';
import type { ColumnInfo } from '../../../../shared/app-types';
import { showValue } from '../../../../shared/value-format';

interface CellEditorProps {
  column: ColumnInfo;
  json: string | null;
  onSave(value: string | null): void;
  onCancel(): void;
}

export function CellEditor({ column, json, onSave, onCancel }: CellEditorProps) {
  const original = showValue(json).editable;
  const [text, setText] = useState(original ?? '');
  const commit = () => (text === original ? onCancel() : onSave(text));
  const done = useRef(false); // Enter then blur must not save twice
  const finish = (action: () => void) => {
    if (done.current) return;
    done.current = true;
    action();
  };
  return (
    <div className="cell-editor">
      <input
        autoFocus
        value={text}
        aria-label={`Edit ${column.name}`}
        onFocus={(e) => e.currentTarget.select()}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Enter') (e.preventDefault(), finish(commit));
          if (e.key === 'Escape') (e.preventDefault(), finish(onCancel));
        }}
        onBlur={() => finish(commit)}
      />
      {!column.notNull && (
        <button type="button" className="cell-null" onMouseDown={(e) => (e.preventDefault(), finish(() => onSave(null)))} title="Set to NULL">
          NULL
        </button>
      )}
    </div>
  );
}
