// The window: databases on the left, the chosen one on the right.

import { useEffect } from 'react';
import { useStore } from 'zustand';
import { ErrorNotice } from './components/error-notice';
import { Notices } from './components/notices';
import { DatabaseView } from './features/databases/database-view';
import { NewDatabaseDialog } from './features/databases/new-database-dialog';
import { OpenDatabaseDialog } from './features/databases/open-database-dialog';
import { Sidebar } from './features/databases/sidebar';
import { Welcome } from './features/databases/welcome';
import { useStores } from './stores/context';

export function App() {
  const { ui, databases } = useStores();
  const list = useStore(databases, (s) => s.databases);
  const loaded = useStore(databases, (s) => s.loaded);
  const error = useStore(databases, (s) => s.error);
  const selectedId = useStore(ui, (s) => s.databaseId);
  const dialog = useStore(ui, (s) => s.dialog);
  const selected = list.find((d) => d.id === selectedId);

  useEffect(() => {
    // `tidemark serve --open <db>` links to #db=<id>.
    const wanted = /^#db=(db_[a-z0-9]+)$/.exec(window.location.hash)?.[1];
    if (wanted) {
      ui.getState().selectDatabase(wanted);
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    void databases.getState().load();
  }, [databases, ui]);

  return (
    <div className="app">
      <Sidebar />
      <main className="main">
        {error && <ErrorNotice error={error} />}
        {selected ? <DatabaseView key={selected.id} database={selected} /> : loaded && list.length === 0 ? <Welcome /> : null}
      </main>
      {dialog === 'new-database' && <NewDatabaseDialog />}
      {dialog === 'open-database' && <OpenDatabaseDialog />}
      <Notices />
    </div>
  );
}
