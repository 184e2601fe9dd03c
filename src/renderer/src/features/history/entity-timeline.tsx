// One row's whole life: its values now, then every transaction that touched
// it, newest first. Choosing a transaction shows it in full.

import { useStore } from 'zustand';
import type { HistoryEntry } from '../../../../shared/types';
import { ErrorNotice } from '../../components/error-notice';
import { authorLabel, formatTime, plural } from '../../components/format';
import { Icon } from '../../components/icons';
import { ValueView } from '../../components/value-view';
import { useStores } from '../../stores/context';
import { ChangeRows } from './change-rows';

export function EntityTimelinePane() {
  const { history } = useStores();
  const timeline = useStore(history, (s) => s.timeline)!;
  const authors = useStore(history, (s) => s.authors);
  const { data } = timeline;

  const byTransaction: { id: string; time: number; author: string; changes: HistoryEntry[] }[] = [];
  for (const entry of data?.entries ?? []) {
    const last = byTransaction[byTransaction.length - 1];
    if (last?.id === entry.transactionId) last.changes.push(entry);
    else byTransaction.push({ id: entry.transactionId, time: entry.time, author: entry.author, changes: [entry] });
  }

  return (
    <div className="detail timeline">
      <header className="detail-header">
        <div>
          <button type="button" className="link-button back" onClick={() => history.getState().closeTimeline()}>
            <Icon name="back" size={14} /> Back to the transaction
          </button>
          <h2>
            <span className="chip">{timeline.table}</span> {data?.label ?? <span className="mono">{timeline.entityId}</span>}
          </h2>
          {data?.label && <div className="detail-id mono">{timeline.entityId}</div>}
          {data && (
            <div className="detail-meta">
              {data.exists ? <span className="kind kind-added">exists</span> : <span className="kind kind-deleted">deleted</span>}
              <span className="dot">·</span>
              <span>
                {plural(byTransaction.length, 'transaction')}
                {data.next ? '+' : ''}
              </span>
            </div>
          )}
        </div>
      </header>
      {timeline.error && <ErrorNotice error={timeline.error} />}
      {data && (
        <div className="detail-body">
          <section className="current-values">
            <h3>{data.exists ? 'Now' : 'Last values'}</h3>
            <dl>
              {data.current.map((v) => (
                <div key={v.attribute}>
                  <dt>{v.attribute}</dt>
                  <dd>
                    <ValueView json={v.value} wrap />
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <ol className="timeline-list">
            {byTransaction.map((t) => (
              <li key={t.id} className="timeline-item">
                <button type="button" className="timeline-when" onClick={() => void history.getState().select(t.id).then(() => history.getState().closeTimeline())}>
                  <span>{formatTime(t.time)}</span>
                  <span className="author">{authorLabel(t.author, authors)}</span>
                </button>
                <ChangeRows changes={t.changes} />
              </li>
            ))}
          </ol>
          {data.next && <p className="muted small">Older changes exist; narrow the time range to see them.</p>}
        </div>
      )}
    </div>
  );
}
