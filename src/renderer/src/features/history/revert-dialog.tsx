// Reverting a transaction: shows exactly what will be written back, and warns
// about every value someone changed after it (reverting overwrites those).

import { useStore } from 'zustand';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { shortId } from '../../../../shared/value-format';
import { plural } from '../../components/format';
import { Icon } from '../../components/icons';
import { ValueView } from '../../components/value-view';
import { useStores } from '../../stores/context';

const ACTION_TEXT = { 'delete-row': 'delete the row', 'restore-row': 'bring the row back' } as const;

export function RevertDialog() {
  const { history, ui } = useStores();
  const revert = useStore(history, (s) => s.revert)!;
  const { plan, applying, error } = revert;
  const close = () => history.getState().cancelRevert();
  const confirm = async () => {
    const result = await history.getState().confirmRevert();
    if (result) ui.getState().notify({ tone: 'success', text: result.changes ? `Reverted: ${plural(result.changes, 'change')} written` : 'Nothing needed reverting' });
  };
  const nothing = plan && plan.items.length === 0;

  return (
    <Dialog
      title="Revert this transaction?"
      onClose={close}
      busy={applying}
      width="wide"
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={applying}>
            {nothing ? 'Close' : 'Cancel'}
          </button>
          {!nothing && (
            <button type="button" className={plan && plan.changedSince > 0 ? 'btn danger' : 'btn primary'} disabled={!plan || !!plan.blocked || applying} onClick={confirm}>
              {applying ? 'Reverting…' : plan && plan.changedSince > 0 ? `Revert and overwrite ${plural(plan.changedSince, 'later edit')}` : 'Revert'}
            </button>
          )}
        </>
      }
    >
      <p className="muted">Tidemark writes new changes that put back what this transaction replaced. Nothing is erased: the history keeps both, and syncs the revert like any edit.</p>
      {!plan && !error && <div className="pane-loading">Checking what changed since…</div>}
      {error && <ErrorNotice error={error} compact />}
      {plan?.blocked && <ErrorNotice error={{ kind: 'table-not-tracked', table: plan.items[0]?.table ?? '', hint: plan.blocked }} compact />}
      {plan && plan.changedSince > 0 && (
        <div className="warning" role="alert">
          <Icon name="alert" />
          <span>
            {plural(plan.changedSince, 'value was', 'values were')} changed after this transaction. Reverting replaces {plan.changedSince === 1 ? 'it' : 'them'} too.
          </span>
        </div>
      )}
      {nothing && <p>Nothing to revert: every value is already back to what it was before.</p>}
      {plan && plan.items.length > 0 && (
        <table className="revert-table">
          <thead>
            <tr>
              <th>Row</th>
              <th>Column</th>
              <th>Now</th>
              <th>After revert</th>
            </tr>
          </thead>
          <tbody>
            {plan.items.map((item) => (
              <tr key={`${item.table}/${item.entityId}/${item.attribute}`} className={item.changedSince ? 'changed-since' : undefined}>
                <td>
                  <span className="chip">{item.table}</span> {item.label ?? <span className="mono small">{shortId(item.entityId)}</span>}
                </td>
                <td>{item.action === 'set' ? item.attribute : <em>{ACTION_TEXT[item.action]}</em>}</td>
                <td>{item.action === 'set' ? <ValueView json={item.current} max={40} /> : item.current === '1' ? 'deleted' : 'exists'}</td>
                <td>
                  {item.action === 'set' ? <ValueView json={item.restore} max={40} /> : item.restore === '1' ? 'deleted' : 'exists'}
                  {item.note && <div className="item-note">{item.changedSince && <Icon name="alert" size={12} />} {item.note}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Dialog>
  );
}
