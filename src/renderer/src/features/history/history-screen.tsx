// The History tab: filters on top, transactions newest first on the left
// (virtualized, paged by cursor), the chosen transaction or an entity's
// timeline on the right. "/" jumps to the search field.

import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../../stores/context';
import { EntityTimelinePane } from './entity-timeline';
import { HistoryFilters } from './history-filters';
import { RevertDialog } from './revert-dialog';
import { TransactionDetailPane } from './transaction-detail';
import { TransactionList } from './transaction-list';

export function HistoryScreen() {
  const { history } = useStores();
  const timeline = useStore(history, (s) => s.timeline);
  const revert = useStore(history, (s) => s.revert);
  const search = useRef<HTMLInputElement>(null);
  const first = useStore(history, (s) => s.transactions[0]?.id);
  const selectedId = useStore(history, (s) => s.selectedId);

  // The newest transaction is shown until the person picks another.
  useEffect(() => {
    if (first && !selectedId) void history.getState().select(first);
  }, [first, selectedId, history]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) && !document.querySelector('.dialog')) {
        event.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="screen history">
      <HistoryFilters searchRef={search} />
      <div className="history-body">
        <TransactionList />
        <aside className="history-side" aria-label={timeline ? 'Entity timeline' : 'Transaction'}>
          {timeline ? <EntityTimelinePane /> : <TransactionDetailPane />}
        </aside>
      </div>
      {revert && <RevertDialog />}
    </div>
  );
}
