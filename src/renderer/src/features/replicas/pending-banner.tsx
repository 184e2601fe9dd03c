// The prompt on every tab while a device waits for approval: what is waiting
// and one click to the comparison.

import type { DatabaseSummary } from '../../../../shared/app-types';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';

export function PendingBanner({ database }: { database: DatabaseSummary }) {
  const { ui } = useStores();
  const n = database.pendingReplicas;
  return (
    <div className="pending-banner" role="status">
      <Icon name="shield" />
      <span>
        <strong>{n === 1 ? 'A new device wants to sync this database.' : `${n} new devices want to sync this database.`}</strong> Nothing it writes is
        applied here until you compare fingerprints and approve it.
      </span>
      <button type="button" className="btn small" onClick={() => ui.getState().setTab('devices')}>
        Review…
      </button>
    </div>
  );
}
