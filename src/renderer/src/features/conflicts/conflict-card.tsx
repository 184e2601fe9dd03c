// One concurrent edit: the row and column, each side's value with its author
// and time, which one is in the table now, and the ways to settle it.

import { useState } from 'react';
import type { ConflictItem, ConflictsView } from '../../../../shared/sync-types';
import { showValue, shortId } from '../../../../shared/value-format';
import { formatAgo, formatFullTime } from '../../components/format';
import { ValueView } from '../../components/value-view';
import { useStores } from '../../stores/context';
import { encodeLike, type Keep } from '../../stores/conflicts-store';
import { detailOf } from '../../stores/errors';

type Side = ConflictItem['mine'];

export function ConflictCard({ conflict, authors }: { conflict: ConflictItem; authors: ConflictsView['authors'] }) {
  const { conflicts, ui } = useStores();
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const settled = conflict.resolvedBy !== null;
  const deletion = conflict.attribute === '_deleted';
  const kept = conflict.winner === 'mine' ? conflict.mine : conflict.theirs;
  const who = (uuid: string) => {
    const author = authors.find((a) => a.uuid === uuid);
    return author?.isSelf ? `This device (${author.name})` : author?.name || shortId(uuid);
  };

  const resolve = async (keep: Keep, text: string) => {
    setBusy(true);
    try {
      await conflicts.getState().resolve(conflict.id, keep);
      ui.getState().notify({ tone: 'success', text });
    } catch (e) {
      ui.getState().notify({ tone: 'error', text: 'Could not settle the conflict', detail: detailOf(e) });
      setBusy(false);
    }
  };

  const side = (which: 'mine' | 'theirs', value: Side) => (
    <div className={`conflict-side${conflict.winner === which ? ' kept' : ''}`}>
      <div className="conflict-who">
        <span>{who(value.author)}</span>
        <span className="muted" title={formatFullTime(value.time)}>
          {formatAgo(value.time)}
        </span>
      </div>
      <div className="conflict-value">{deletion ? <span>{value.value === '1' ? 'Deleted the row' : 'Kept the row'}</span> : <ValueView json={value.value} wrap />}</div>
      <div className="conflict-side-foot">
        {conflict.winner === which && <span className="badge badge-ok">In the table now</span>}
        {!settled && (
          <button type="button" className="btn small" disabled={busy} onClick={() => resolve(which, `Kept ${who(value.author)}'s value`)}>
            Keep this
          </button>
        )}
      </div>
    </div>
  );

  return (
    <li className={`conflict-card${settled ? ' settled' : ''}`}>
      <div className="conflict-head">
        <span className="chip">{conflict.table}</span>
        <strong className="conflict-row">{conflict.label ?? conflict.entityId}</strong>
        <span className="muted">{deletion ? 'row deleted on one device' : conflict.attribute}</span>
        {settled && <span className="badge conflict-settled">Settled</span>}
      </div>
      <div className="conflict-sides">
        {side('mine', conflict.mine)}
        {side('theirs', conflict.theirs)}
      </div>
      {!settled && !deletion && (
        <div className="conflict-other">
          {editing === null ? (
            <button type="button" className="link-button" onClick={() => setEditing(showValue(kept.value).editable ?? '')}>
              Write another value…
            </button>
          ) : (
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void resolve({ value: encodeLike(editing, kept.value) }, 'Saved the new value');
              }}
            >
              <input autoFocus value={editing} onChange={(e) => setEditing(e.target.value)} aria-label={`New value for ${conflict.attribute}`} onKeyDown={(e) => e.key === 'Escape' && setEditing(null)} />
              <button type="submit" className="btn small primary" disabled={busy}>
                Save
              </button>
              <button type="button" className="btn small subtle" onClick={() => setEditing(null)}>
                Cancel
              </button>
            </form>
          )}
        </div>
      )}
    </li>
  );
}
