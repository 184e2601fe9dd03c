// The Sync tab, until the app can set up a remote: an honest empty state that
// says how to sync today (the CLI) and where the default folder is prepared.
// The remote form, sync progress and replicas arrive with their contract methods.

import { useStore } from 'zustand';
import type { DatabaseSummary } from '../../../../shared/app-types';
import { EmptyState } from '../../components/empty-state';
import { useStores } from '../../stores/context';

export function SyncScreen({ database }: { database: DatabaseSummary }) {
  const { databases } = useStores();
  const info = useStore(databases, (s) => s.info);
  const quoted = /\s/.test(database.path) ? `"${database.path}"` : database.path;
  return (
    <div className="screen screen-scroll">
      <EmptyState icon="sync" title="Set up a remote to sync">
        <p>
          Sync keeps this database in step with your other devices through a folder (a USB disk, Dropbox, iCloud, Syncthing) or an S3 bucket you
          own. Setting up a remote from the app is not available in this version yet.
        </p>
        <p>Today, from a terminal:</p>
        <pre className="command">
          tidemark remote {quoted} {info?.remoteFolder ?? '<folder | s3://bucket/prefix>'}
          {'\n'}tidemark sync {quoted}
        </pre>
        {info?.remoteFolder && (
          <p className="muted small">
            A folder for syncing is ready at <code>{info.remoteFolder}</code>. Point your other devices at the same folder (through your sync tool) to share it.
          </p>
        )}
      </EmptyState>
    </div>
  );
}
