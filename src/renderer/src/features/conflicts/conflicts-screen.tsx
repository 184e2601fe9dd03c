// The Conflicts tab: concurrent edits, both values side by side with who
// wrote them, which one the merge kept, and the person's choice (a new
// change that syncs like any other).

import { useEffect } from 'react';
import { useStore } from 'zustand';
import { EmptyState } from '../../components/empty-state';
import { ErrorNotice } from '../../components/error-notice';
import { plural } from '../../components/format';
import { useStores } from '../../stores/context';
import { ConflictCard } from './conflict-card';

export function ConflictsScreen() {
  const { conflicts: store } = useStores();
  const databaseId = useStore(store, (s) => s.databaseId);
  const view = useStore(store, (s) => s.view);
  const showSettled = useStore(store, (s) => s.showSettled);
  const error = useStore(store, (s) => s.error);

  useEffect(() => void store.getState().load(), [store, databaseId]);

  const shown = view?.conflicts ?? [];
  return (
    <div className="screen screen-scroll">
      <div className="page">
        <header className="panel-header">
          <div>
            <h2>Conflicts{view && view.open > 0 ? ` · ${plural(view.open, 'open')}` : ''}</h2>
            <p className="panel-sub">
              When two devices change the same value before they sync, the newer change wins everywhere and the other is kept here. Keep either,
              or write a new value: your choice syncs like any edit.
            </p>
          </div>
          <label className="check">
            <input type="checkbox" checked={showSettled} onChange={(e) => void store.getState().setShowSettled(e.target.checked)} />
            Show settled
          </label>
        </header>
        {error && <ErrorNotice error={error} compact />}
        {view && shown.length === 0 && (
          <EmptyState icon="conflict" title={showSettled ? 'No conflicts yet' : 'Nothing to settle'}>
            Concurrent edits show up here after a sync, with both values, so that nothing one of your devices wrote is silently lost.
          </EmptyState>
        )}
        {shown.length > 0 && (
          <ul className="conflict-list" aria-label="Conflicts">
            {shown.map((c) => (
              <ConflictCard key={c.id} conflict={c} authors={view!.authors} />
            ))}
          </ul>
        )}
        {view?.more && <p className="muted small list-more">Showing the newest {shown.length}; settle these to see the rest.</p>}
      </div>
    </div>
  );
}
