// Transactions newest first, one row each. Only the rows in view exist in the
// page; the next page is asked for as the end comes into view.

import { useCallback } from 'react';
import { useStore } from 'zustand';
import { EmptyState } from '../../components/empty-state';
import { ErrorNotice } from '../../components/error-notice';
import { authorLabel, formatDay, formatTime, plural } from '../../components/format';
import { VirtualList } from '../../components/virtual-list';
import { useStores } from '../../stores/context';
import { attributesOf, describeTransaction } from './describe';

const ROW_HEIGHT = 54;

export function TransactionList() {
  const { history } = useStores();
  const { transactions, selectedId, loading, loaded, next, searchedTo, error, authors, filter } = useStore(history);
  const selectedIndex = transactions.findIndex((t) => t.id === selectedId);
  const onEndReached = useCallback(() => void history.getState().loadMore(), [history]);
  const filtered = Object.keys(filter).length > 0;

  if (error) return <div className="history-list"><ErrorNotice error={error} /></div>;
  if (loaded && !loading && transactions.length === 0) {
    return (
      <div className="history-list">
        <EmptyState icon="history" title={filtered ? 'No transactions match' : 'No changes yet'}>
          {filtered ? 'Try fewer filters, or a longer time range.' : 'Track a table and edit it — here, in your app or in the sqlite3 shell — and every change appears here.'}
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="history-list">
      <VirtualList
        items={transactions}
        rowHeight={ROW_HEIGHT}
        idPrefix="transaction"
        label="Transactions, newest first"
        className="transactions"
        getKey={(t) => t.id}
        selectedIndex={selectedIndex}
        onSelect={(i) => void history.getState().select(transactions[i]!.id)}
        onEndReached={next ? onEndReached : undefined}
        renderRow={(t) => (
          <div className="transaction">
            <div className="transaction-line">
              <span className="transaction-title">{describeTransaction(t)}</span>
              {t.entities === 1 && <span className="transaction-attrs">{attributesOf(t)}</span>}
              <span className="transaction-count">{plural(t.changes, 'change')}</span>
            </div>
            <div className="transaction-meta">
              <span>{formatTime(t.time)}</span>
              <span className="dot">·</span>
              <span className={authors.find((a) => a.uuid === t.author)?.isSelf ? 'author self' : 'author'}>{authorLabel(t.author, authors)}</span>
              <span className="transaction-tables">
                {t.tables.map((name) => (
                  <span key={name} className="chip">
                    {name}
                  </span>
                ))}
              </span>
            </div>
          </div>
        )}
      />
      <div className="list-status" aria-live="polite">
        {loading && searchedTo !== null
          ? `Searching… back to ${formatDay(searchedTo)}`
          : loading
            ? 'Loading…'
            : next
              ? `${plural(transactions.length, 'transaction')} loaded · scroll for more`
              : `${plural(transactions.length, 'transaction')}${filtered ? (transactions.length === 1 ? ' matches' : ' match') : ''} · start of history`}
      </div>
    </div>
  );
}
