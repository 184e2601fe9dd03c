// Choosing where a database syncs: a folder, or an S3 bucket with its
// endpoint, region, path style and keys. Keys go straight to the keychain
// when saved; the form never gets them back. "Test connection" tries what is
// typed before anything is saved.

import { useState } from 'react';
import { useStore } from 'zustand';
import type { TidemarkErrorDetail } from '../../../../shared/errors';
import type { RemoteDraft, RemoteTestResult } from '../../../../shared/sync-types';
import { Dialog } from '../../components/dialog';
import { ErrorNotice } from '../../components/error-notice';
import { Icon } from '../../components/icons';
import { useStores } from '../../stores/context';
import { detailOf } from '../../stores/errors';
import { TestResult } from './test-result';

export function RemoteDialog({ kind: initialKind, onClose }: { kind: 'folder' | 's3'; onClose(): void }) {
  const { sync, ui } = useStores();
  const view = useStore(sync, (s) => s.remote);
  const existing = view?.remote ?? null;
  const s3 = existing?.draft.kind === 's3' ? existing.draft : null;
  const [kind, setKind] = useState(initialKind);
  const [path, setPath] = useState(existing?.draft.kind === 'folder' ? existing.draft.path : (view?.suggestedFolder ?? ''));
  const [bucket, setBucket] = useState(s3?.bucket ?? '');
  const [prefix, setPrefix] = useState(s3?.prefix ?? '');
  const [endpoint, setEndpoint] = useState(s3?.endpoint ?? '');
  const [region, setRegion] = useState(s3?.region ?? '');
  const [pathStyle, setPathStyle] = useState(s3?.pathStyle ?? false);
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [encrypt, setEncrypt] = useState(existing?.encrypt ?? false);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [result, setResult] = useState<RemoteTestResult | null>(null);
  const [error, setError] = useState<TidemarkErrorDetail | null>(null);

  const draft = (): RemoteDraft =>
    kind === 'folder'
      ? { kind, path: path.trim() }
      : { kind, bucket: bucket.trim(), prefix: prefix.trim(), endpoint: endpoint.trim() || null, region: region.trim() || null, pathStyle };
  const typedKeys = keyId.trim() && secret.trim() ? { accessKeyId: keyId.trim(), secretAccessKey: secret.trim() } : null;
  const storedKeys = s3 && (existing?.credentials === 'set' || existing?.credentials === 'environment');
  const complete = kind === 'folder' ? path.trim() !== '' : bucket.trim() !== '';
  const halfKeys = kind === 's3' && Boolean(keyId.trim()) !== Boolean(secret.trim());
  const datasetFixed = existing?.encrypted !== null && existing?.encrypted !== undefined;
  const edit = <T,>(setter: (v: T) => void) => (v: T) => (setter(v), setResult(null), setError(null));

  const run = async (what: 'test' | 'save') => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'test') setResult(await sync.getState().testRemote(draft(), kind === 's3' ? typedKeys : null));
      else {
        await sync.getState().saveRemote(draft(), encrypt, kind === 's3' ? typedKeys : null);
        ui.getState().notify({ tone: 'success', text: existing ? 'Remote changed' : 'Remote set. Sync when you are ready.' });
        onClose();
        return;
      }
    } catch (e) {
      setResult(null);
      setError(detailOf(e));
    }
    setBusy(null);
  };

  return (
    <Dialog
      title={existing ? 'Change the remote' : 'Where should this database sync?'}
      width="wide"
      onClose={onClose}
      busy={busy === 'save'}
      footer={
        <>
          <button type="button" className="btn footer-left" onClick={() => run('test')} disabled={!complete || busy !== null || halfKeys}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="button" className="btn" onClick={onClose} disabled={busy === 'save'}>
            Cancel
          </button>
          <button type="submit" form="remote-form" className="btn primary" disabled={!complete || busy !== null || halfKeys}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="remote-form" className="form" onSubmit={(e) => (e.preventDefault(), void run('save'))}>
        <div className="segmented" role="radiogroup" aria-label="Kind of remote">
          {(['folder', 's3'] as const).map((k) => (
            <button type="button" key={k} role="radio" aria-checked={kind === k} className={kind === k ? 'selected' : ''} onClick={() => edit(setKind)(k)}>
              <Icon name={k === 'folder' ? 'folder' : 'cloud'} size={15} /> {k === 'folder' ? 'A folder' : 'An S3 bucket'}
            </button>
          ))}
        </div>
        {kind === 'folder' ? (
          <label className="field">
            <span className="field-label">Folder</span>
            <input value={path} onChange={(e) => edit(setPath)(e.target.value)} spellCheck={false} className="mono" aria-label="Folder path" autoFocus />
            <span className="field-help">
              A folder all your devices reach: Dropbox, iCloud Drive, Syncthing, a network share or a USB disk. Use one folder per database;
              a relative path is kept in Tidemark's own remote folder.
            </span>
          </label>
        ) : (
          <div className="form-grid">
            <Field label="Bucket" value={bucket} onChange={edit(setBucket)} placeholder="my-notes" autoFocus />
            <Field label="Prefix" value={prefix} onChange={edit(setPrefix)} placeholder="tidemark/notes (optional)" />
            <Field label="Endpoint" value={endpoint} onChange={edit(setEndpoint)} placeholder="empty for AWS · https://s3.example.com" />
            <Field label="Region" value={region} onChange={edit(setRegion)} placeholder="us-east-1" />
            <label className="check span-2">
              <input type="checkbox" checked={pathStyle} onChange={(e) => edit(setPathStyle)(e.target.checked)} />
              Path-style addressing <span className="muted">(always used with a custom endpoint: MinIO, Garage, Ceph)</span>
            </label>
            <Field label="Access key id" value={keyId} onChange={edit(setKeyId)} placeholder={storedKeys ? 'stored in the keychain' : ''} />
            <Field label="Secret access key" value={secret} onChange={edit(setSecret)} placeholder={storedKeys ? '••••••••' : ''} secret />
            <p className="field-help span-2">
              <Icon name="key" size={13} /> Keys go straight to the OS keychain and are never shown again.
              {existing?.credentials === 'set' && ' Leave them empty to keep the stored ones.'}
              {existing?.credentials === 'environment' && ' AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are set and take precedence.'}
            </p>
          </div>
        )}
        <label className="check">
          <input type="checkbox" checked={datasetFixed ? existing!.encrypted! : encrypt} disabled={datasetFixed} onChange={(e) => setEncrypt(e.target.checked)} />
          Encrypt end to end
          <span className="muted small">
            {datasetFixed ? '(chosen when this dataset was created)' : '(for a new remote: only your approved devices can read the files)'}
          </span>
        </label>
        {result && <TestResult result={result} />}
        {error && <ErrorNotice error={error} compact />}
      </form>
    </Dialog>
  );
}

function Field(props: { label: string; value: string; onChange(v: string): void; placeholder?: string; secret?: boolean; autoFocus?: boolean }) {
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <input
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder={props.placeholder}
        type={props.secret ? 'password' : 'text'}
        autoComplete="off"
        spellCheck={false}
        autoFocus={props.autoFocus}
        aria-label={props.label}
      />
    </label>
  );
}
