// What a person sees with no database yet: what Tidemark does, and the two ways in.

import { EmptyState } from '../../components/empty-state';
import { useStores } from '../../stores/context';

export function Welcome() {
  const { ui } = useStores();
  return (
    <div className="welcome">
      <EmptyState
        icon="database"
        title="Keep your SQLite databases in step across your devices"
        actions={
          <>
            <button type="button" className="btn primary" onClick={() => ui.getState().openDialog('new-database')}>
              New database
            </button>
            <button type="button" className="btn" onClick={() => ui.getState().openDialog('open-database')}>
              Open a SQLite file…
            </button>
          </>
        }
      >
        Tidemark records every change to the tables you track — from this app, the sqlite3 shell or any other program — and syncs them
        through a folder or an S3 bucket you own. Start with a new database, or adopt one you already have: your tables and rows stay as they are.
      </EmptyState>
    </div>
  );
}
