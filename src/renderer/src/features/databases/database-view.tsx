// One database: its name, the tabs (with badges for devices waiting for
// approval and open conflicts), and the chosen tab's screen. Ctrl/⌘+1…6
// switch tabs.

import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { DatabaseSummary } from '../../../../shared/app-types';
import { ErrorNotice } from '../../components/error-notice';
import { Icon, type IconName } from '../../components/icons';
import { useStores } from '../../stores/context';
import { TABS, type Tab } from '../../stores/ui-store';
import { ConflictsScreen } from '../conflicts/conflicts-screen';
import { DataScreen } from '../data/data-screen';
import { HistoryScreen } from '../history/history-screen';
import { PendingBanner } from '../replicas/pending-banner';
import { ReplicasScreen } from '../replicas/replicas-screen';
import { SyncScreen } from '../sync/sync-screen';
import { DatabaseDetails } from './database-details';
import { TablesScreen } from './tables-screen';

const TAB_INFO: Record<Tab, { label: string; icon: IconName }> = {
  tables: { label: 'Tables', icon: 'table' },
  data: { label: 'Data', icon: 'rows' },
  history: { label: 'History', icon: 'history' },
  sync: { label: 'Sync', icon: 'sync' },
  devices: { label: 'Devices', icon: 'devices' },
  conflicts: { label: 'Conflicts', icon: 'conflict' },
};

export function DatabaseView({ database }: { database: DatabaseSummary }) {
  const { ui } = useStores();
  const tab = useStore(ui, (s) => s.tab);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const index = Number(event.key) - 1;
      if (index >= 0 && index < TABS.length) (event.preventDefault(), ui.getState().setTab(TABS[index]!));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ui]);

  if (!database.available) {
    return (
      <div className="screen screen-scroll">
        <div className="page">
          <DatabaseDetails database={database} />
          {database.error && <ErrorNotice error={database.error} />}
        </div>
      </div>
    );
  }

  return (
    <div className="database-view">
      <header className="topbar">
        <div className="topbar-title" title={database.path}>
          {database.title}
        </div>
        <div className="tabs" role="tablist" aria-label="Views">
          {TABS.map((t, i) => (
            <button
              type="button"
              key={t}
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls="tab-panel"
              className={tab === t ? 'tab selected' : 'tab'}
              onClick={() => ui.getState().setTab(t)}
              title={`${TAB_INFO[t].label} (Ctrl+${i + 1})`}
            >
              <Icon name={TAB_INFO[t].icon} size={15} />
              {TAB_INFO[t].label}
              <TabBadge count={t === 'devices' ? database.pendingReplicas : t === 'conflicts' ? database.openConflicts : 0} label={t === 'devices' ? 'waiting for approval' : 'open'} />
            </button>
          ))}
        </div>
      </header>
      {database.pendingReplicas > 0 && tab !== 'devices' && <PendingBanner database={database} />}
      <div className="tab-panel" id="tab-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'tables' && <TablesScreen database={database} />}
        {tab === 'data' && <DataScreen database={database} />}
        {tab === 'history' && <HistoryScreen />}
        {tab === 'sync' && <SyncScreen database={database} />}
        {tab === 'devices' && <ReplicasScreen database={database} />}
        {tab === 'conflicts' && <ConflictsScreen />}
      </div>
    </div>
  );
}

function TabBadge({ count, label }: { count: number; label: string }) {
  if (count === 0) return null;
  return (
    <span className="tab-badge" aria-label={`${count} ${label}`}>
      {count > 99 ? '99+' : count}
    </span>
  );
}
