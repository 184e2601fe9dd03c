// The Sync tab: where the database syncs (or a choice of folder or S3 when it
// does not yet), syncing now with live progress and the last result,
// automatic sync, and the remote's storage (snapshot, size, clean-up).

import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { DatabaseSummary } from '../../../../shared/app-types';
import type { RemoteInfo } from '../../../../shared/sync-types';
import { ErrorNotice } from '../../components/error-notice';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';
import { AutoSyncPanel } from './auto-sync-panel';
import { RemoteDialog } from './remote-dialog';
import { StoragePanel } from './storage-panel';
import { SyncStatusPanel } from './sync-status-panel';
import { TestResult } from './test-result';

export function SyncScreen({ database }: { database: DatabaseSummary }) {
  const { sync, replicas } = useStores();
  const view = useStore(sync, (s) => s.remote);
  const status = useStore(sync, (s) => s.status);
  const error = useStore(sync, (s) => s.error);
  const [dialog, setDialog] = useState<'folder' | 's3' | null>(null);
  const remote = view?.remote ?? null;
  useEffect(() => void replicas.getState().load(), [replicas, database.id]); // names for progress and problems

  return (
    <div className="screen screen-scroll">
      <div className="page sync-page">
        {error && <ErrorNotice error={error} compact />}
        {view && !remote && <ChooseRemote database={database} suggested={view.suggestedFolder} onChoose={setDialog} />}
        {remote && status && (
          <>
            <RemotePanel remote={remote} onChange={() => setDialog(remote.kind)} />
            <SyncStatusPanel status={status} />
            <AutoSyncPanel status={status} kind={remote.kind} />
            <StoragePanel status={status} />
          </>
        )}
      </div>
      {dialog && <RemoteDialog kind={dialog} onClose={() => setDialog(null)} />}
    </div>
  );
}

function ChooseRemote({ database, suggested, onChoose }: { database: DatabaseSummary; suggested: string; onChoose(kind: 'folder' | 's3'): void }) {
  return (
    <section className="choose-remote">
      <div className="empty-icon">
        <Icon name="sync" size={26} />
      </div>
      <h2>Sync {database.title} across your devices</h2>
      <p className="muted">
        Every device keeps the whole history and exchanges changes through storage you already own. Nothing goes through a server of ours.
      </p>
      <div className="remote-choices">
        <button type="button" className="remote-choice" onClick={() => onChoose('folder')}>
          <Icon name="folder" size={22} />
          <strong>A folder</strong>
          <span>Dropbox, iCloud Drive, Syncthing, a network share or a USB disk. Free, and works offline.</span>
          <code className="remote-choice-path">{suggested}</code>
        </button>
        <button type="button" className="remote-choice" onClick={() => onChoose('s3')}>
          <Icon name="cloud" size={22} />
          <strong>An S3 bucket</strong>
          <span>AWS, Cloudflare R2, Backblaze B2, Wasabi, MinIO… Keys stay in your OS keychain.</span>
        </button>
      </div>
    </section>
  );
}

function RemotePanel({ remote, onChange }: { remote: RemoteInfo; onChange(): void }) {
  const { sync } = useStores();
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<Awaited<ReturnType<ReturnType<typeof sync.getState>['testRemote']>> | null>(null);
  const [error, setError] = useState<ReturnType<typeof detailOf> | null>(null);
  const test = async () => {
    setTesting(true);
    setResult(null);
    setError(null);
    try {
      setResult(await sync.getState().testRemote());
    } catch (e) {
      setError(detailOf(e));
    }
    setTesting(false);
  };
  const s3 = remote.draft.kind === 's3' ? remote.draft : null;
  return (
    <section className="panel remote-panel">
      <div className="remote-line">
        <div className="remote-kind">
          <Icon name={remote.kind === 'folder' ? 'folder' : 'cloud'} size={20} />
        </div>
        <div className="remote-text">
          <div className="remote-label">{remote.kind === 'folder' ? 'Folder remote' : 'S3 remote'}</div>
          <div className="remote-url mono" title={remote.url}>
            {remote.url}
          </div>
          <div className="remote-facts">
            {s3 && <span>{s3.endpoint ?? 'AWS'}</span>}
            {s3?.region && <span>{s3.region}</span>}
            {s3?.pathStyle && <span>path-style</span>}
            {remote.credentials === 'set' && <span className="badge badge-ok"><Icon name="key" size={12} /> Keys in the keychain</span>}
            {remote.credentials === 'environment' && <span className="badge badge-ok">Keys from AWS_* variables</span>}
            {remote.credentials === 'not-set' && <span className="badge badge-warn">Keys not set</span>}
            {(remote.encrypted ?? remote.encrypt) && <span className="badge"><Icon name="lock" size={12} /> Encrypted end to end</span>}
          </div>
        </div>
        <div className="panel-actions">
          <button type="button" className="btn" onClick={test} disabled={testing}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
          <button type="button" className="btn" onClick={onChange}>
            Change…
          </button>
        </div>
      </div>
      {result && <TestResult result={result} />}
      {error && <ErrorNotice error={error} compact />}
    </section>
  );
}
