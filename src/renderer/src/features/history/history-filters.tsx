// Filters of the history: text, table, row, author and a time range. Typing
// waits a moment before asking main, so each keystroke is not a query.

import { useEffect, useState, type RefObject } from 'react';
import { useStore } from 'zustand';
import type { HistoryFilter } from '../../../../shared/app-types';
import { authorLabel, fromLocalInput, toLocalInput } from '../../components/format';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';

const TYPING_MS = 300;

export function HistoryFilters({ searchRef }: { searchRef: RefObject<HTMLInputElement | null> }) {
  const { history, tables } = useStores();
  const filter = useStore(history, (s) => s.filter);
  const authors = useStore(history, (s) => s.authors);
  const tableNames = useStore(tables, (s) => s.tables.filter((t) => t.tracked || t.changes > 0).map((t) => t.name).join('\0'));
  const [text, setText] = useState(filter.text ?? '');
  const [entity, setEntity] = useState(filter.entityId ?? '');

  // Follow filter changes made elsewhere (clearing, opening another database).
  useEffect(() => setText(filter.text ?? ''), [filter.text]);
  useEffect(() => setEntity(filter.entityId ?? ''), [filter.entityId]);

  const apply = (change: Partial<HistoryFilter>) => void history.getState().setFilter({ ...history.getState().filter, ...change });
  useEffect(() => {
    if ((filter.text ?? '') === text) return;
    const timer = setTimeout(() => apply({ text }), TYPING_MS);
    return () => clearTimeout(timer);
  }, [text]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if ((filter.entityId ?? '') === entity) return;
    const timer = setTimeout(() => apply({ entityId: entity.trim() || undefined }), TYPING_MS);
    return () => clearTimeout(timer);
  }, [entity]); // eslint-disable-line react-hooks/exhaustive-deps

  const active = Object.keys(filter).length > 0;
  return (
    <div className="filters" role="search">
      <div className="search-field">
        <Icon name="search" />
        <input ref={searchRef} value={text} onChange={(e) => setText(e.target.value)} placeholder="Search changes" aria-label="Search the history" spellCheck={false} />
        <kbd>/</kbd>
      </div>
      <select value={filter.table ?? ''} onChange={(e) => apply({ table: e.target.value || undefined })} aria-label="Table">
        <option value="">All tables</option>
        {tableNames.split('\0').filter(Boolean).map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <input className="filter-entity mono" value={entity} onChange={(e) => setEntity(e.target.value)} placeholder="Row id" aria-label="Row id" spellCheck={false} />
      <select value={filter.author ?? ''} onChange={(e) => apply({ author: e.target.value || undefined })} aria-label="Author">
        <option value="">All devices</option>
        {authors.map((a) => (
          <option key={a.uuid} value={a.uuid}>
            {authorLabel(a.uuid, authors)}
          </option>
        ))}
      </select>
      <label className="time-field">
        <span>From</span>
        <input type="datetime-local" value={toLocalInput(filter.since)} onChange={(e) => apply({ since: fromLocalInput(e.target.value) })} aria-label="From time" />
      </label>
      <label className="time-field">
        <span>To</span>
        <input type="datetime-local" value={toLocalInput(filter.until)} onChange={(e) => apply({ until: fromLocalInput(e.target.value) })} aria-label="To time" />
      </label>
      <button type="button" className="btn subtle small" disabled={!active} onClick={() => void history.getState().setFilter({})}>
        Clear
      </button>
    </div>
  );
}
