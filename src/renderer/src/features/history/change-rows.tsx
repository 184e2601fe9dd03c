// Attribute rows: name, then old → new. A row's existence (`_deleted`) reads
// as words, not as 0 and 1.

import type { HistoryEntry } from '../../../../shared/types';
import { Icon } from '../../components/icons';
import { ValueView } from '../../components/value-view';

export function ChangeRows({ changes }: { changes: HistoryEntry[] }) {
  return (
    <div className="change-rows">
      {changes.map((c) => (
        <div key={c.id} className="change-row">
          {c.attribute === '_deleted' ? (
            <span className={`existence ${c.newValue === '1' ? 'removed' : 'added'}`}>{c.newValue === '1' ? 'Row deleted' : 'Row exists again'}</span>
          ) : (
            <>
              <span className="attribute" title={c.attribute}>
                {c.attribute}
              </span>
              <span className="old">{c.oldValue === null ? <span className="value value-absent">new</span> : <ValueView json={c.oldValue} wrap />}</span>
              <Icon name="chevron" size={12} className="arrow" />
              <span className="new">
                <ValueView json={c.newValue} wrap />
              </span>
            </>
          )}
        </div>
      ))}
    </div>
  );
}
