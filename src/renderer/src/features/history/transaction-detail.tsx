// The chosen transaction: when, by whom, and every change row by row, with
// a way into each row's timeline and to revert the whole transaction.

import { useStore } from 'zustand';
import { EmptyState } from '../../components/empty-state';
import { ErrorNotice } from '../../components/error-notice';
import { authorLabel, formatFullTime, plural } from '../../components/format';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { ChangeRows } from './change-rows';
import { describeTransaction, groupByEntity } from './describe';

export function TransactionDetailPane() {
  const { history } = useStores();
  const { selectedId, detail, detailError, authors } = useStore(history);

  if (!selectedId) {
    return (
      <EmptyState icon="history" title="Choose a transaction">
        See what it changed, open a row's full timeline, or revert it. Use ↑ and ↓ to move through the list.
      </EmptyState>
    );
  }
  if (detailError) return <ErrorNotice error={detailError} />;
  if (!detail) return <div className="pane-loading">Loading…</div>;

  const { summary } = detail;
  const groups = groupByEntity(detail.changes, detail.labels);
  return (
    <div className="detail">
      <header className="detail-header">
        <div>
          <h2>{describeTransaction(summary)}</h2>
          <div className="detail-meta">
            <span>{formatFullTime(summary.time)}</span>
            <span className="dot">·</span>
            <span className="author">
              <Icon name="user" size={12} /> {authorLabel(summary.author, authors)}
            </span>
            <span className="dot">·</span>
            <span>{plural(summary.changes, 'change')}</span>
          </div>
          <div className="detail-id mono" title="Transaction id">
            {summary.id}
          </div>
        </div>
        <button type="button" className="btn" onClick={() => void history.getState().planRevert(summary.id)}>
          <Icon name="revert" /> Revert…
        </button>
      </header>
      <div className="detail-body">
        {groups.map((g) => (
          <section key={`${g.table}/${g.entityId}`} className="entity-group">
            <header className="entity-header">
              <span className="chip">{g.table}</span>
              <span className="entity-name">
                {g.label && <span className="entity-label">{g.label}</span>}
                <span className="entity-id mono" title={g.entityId}>
                  {g.entityId}
                </span>
              </span>
              <span className={`kind kind-${g.kind}`}>{g.kind}</span>
              <button type="button" className="btn subtle small timeline-button" onClick={() => void history.getState().openTimeline(g.table, g.entityId)}>
                <Icon name="timeline" size={14} /> Timeline
              </button>
            </header>
            <ChangeRows changes={g.changes} />
          </section>
        ))}
        {detail.next && <p className="muted small">This transaction has more changes than are shown here ({plural(summary.changes, 'change')} in all).</p>}
      </div>
    </div>
  );
}
