// The remote of a database as the app shows and edits it, over the engine's
// remote settings. S3 keys go from the form straight into the SecretStore (the
// OS keychain); what comes back is only whether they are set.

import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { TidemarkError } from '../../shared/errors';
import type { RemoteDraft, RemoteInfo, RemoteTestResult } from '../../shared/sync-types';
import type { TidemarkDatabase } from '../engine/database';
import { parseRemoteUrl, type Remote } from '../engine/remote';
import { META, readMeta } from '../engine/schema';
import type { SecretStore } from '../engine/secrets/secret-store';
import { DESCRIPTOR_KEY } from '../engine/sync/dataset';
import { replicaOfHeadKey } from '../engine/sync/head';
import {
  credentialsFromEnv,
  hasStoredCredentials,
  openRemote,
  readRemoteSettings,
  resolveCredentials,
  setRemote,
  type RemoteSettings,
  type S3Credentials,
} from '../engine/sync/remote-settings';

export interface RemoteContext {
  secrets: SecretStore;
  env: NodeJS.ProcessEnv;
  /** Base of relative folder paths: the app's own remote folder. */
  remoteRoot: string;
}

/** The URL and options `setRemote` takes for what the form sent. */
export function draftToUrl(draft: RemoteDraft): { url: string; options: { endpoint?: string; region?: string; pathStyle?: boolean } } {
  if (draft.kind === 'folder') return { url: draft.path, options: {} };
  const prefix = draft.prefix.replace(/^\/+|\/+$/g, '');
  return {
    url: `s3://${draft.bucket}${prefix ? `/${prefix}` : ''}`,
    options: { endpoint: draft.endpoint || undefined, region: draft.region || undefined, pathStyle: draft.pathStyle || undefined },
  };
}

/** Settings for a draft without saving them (to test a connection first). */
export function draftSettings(draft: RemoteDraft, context: RemoteContext): RemoteSettings {
  const { url, options } = draftToUrl(draft);
  const config = parseRemoteUrl(url, { cwd: context.remoteRoot });
  if (config.kind === 'folder') return { url: config.path, config };
  return { url, config, ...options };
}

export async function saveRemote(db: TidemarkDatabase, draft: RemoteDraft, encrypt: boolean, context: RemoteContext): Promise<void> {
  const { url, options } = draftToUrl(draft);
  await setRemote(db, url, { ...options, encrypt, cwd: context.remoteRoot });
}

export function settingsToDraft(settings: RemoteSettings): RemoteDraft {
  if (settings.config.kind === 'folder') return { kind: 'folder', path: settings.config.path };
  return {
    kind: 's3',
    bucket: settings.config.bucket,
    prefix: settings.config.prefix,
    endpoint: settings.endpoint ?? null,
    region: settings.region ?? null,
    pathStyle: settings.pathStyle ?? false,
  };
}

export async function remoteInfo(db: TidemarkDatabase, context: RemoteContext): Promise<RemoteInfo | null> {
  const settings = readRemoteSettings(db);
  if (!settings) return null;
  const datasetUuid = readMeta(db.sqlite, META.datasetUuid);
  return {
    kind: settings.config.kind,
    url: settings.url,
    draft: settingsToDraft(settings),
    encrypt: settings.encrypt === true,
    encrypted: datasetUuid === null ? null : readMeta(db.sqlite, META.datasetEncrypted) === '1',
    datasetUuid,
    credentials: await credentialsState(settings, context),
  };
}

async function credentialsState(settings: RemoteSettings, context: RemoteContext): Promise<RemoteInfo['credentials']> {
  if (settings.config.kind !== 's3') return 'not-needed';
  if (credentialsFromEnv(context.env)) return 'environment';
  return (await hasStoredCredentials(settings, context.secrets)) ? 'set' : 'not-set';
}

/**
 * Opens the remote with its keys. An S3 remote without keys is refused here
 * with what to do, rather than letting the SDK look for keys elsewhere.
 */
export async function connectRemote(settings: RemoteSettings, context: RemoteContext, typed?: S3Credentials): Promise<Remote> {
  const credentials = typed ?? (await resolveCredentials(settings, context.env, context.secrets));
  if (settings.config.kind === 's3' && !credentials) {
    throw new TidemarkError({
      kind: 'remote-auth',
      remote: settings.url,
      hint: 'Enter the access key id and secret in Sync → Remote; they are kept in the OS keychain.',
    });
  }
  return openRemote(settings, credentials);
}

export function closeRemote(remote: Remote): void {
  (remote as { close?: () => void }).close?.();
}

/** "Test connection": one LIST of replicas/ and a read of the dataset descriptor. */
export async function testRemote(
  db: TidemarkDatabase,
  settings: RemoteSettings,
  context: RemoteContext,
  typed?: S3Credentials,
): Promise<RemoteTestResult> {
  const started = Date.now();
  if (settings.config.kind === 'folder') {
    const path = settings.config.path;
    if (!existsSync(path)) return { url: path, replicas: 0, dataset: 'empty', encrypted: false, willCreate: true, ms: Date.now() - started };
    await access(path, constants.W_OK).catch(() => {
      throw new TidemarkError({ kind: 'remote-not-writable', remote: path, hint: `Check that you may write to the folder ${path}.` });
    });
  }
  const remote = await connectRemote(settings, context, typed);
  try {
    const listing = await remote.list('replicas/');
    const replicas = listing.filter((o) => {
      const id = replicaOfHeadKey(o.key);
      return id !== null && id !== db.uuid;
    }).length;
    const descriptor = await remote.get(DESCRIPTOR_KEY);
    const found = descriptor.status === 'ok' ? readDescriptor(descriptor.body) : null;
    const known = readMeta(db.sqlite, META.datasetUuid);
    const dataset = found === null ? 'empty' : known === null ? 'joins' : known === found.dataset ? 'same' : 'other';
    return { url: remote.url, replicas, dataset, encrypted: found?.encrypted ?? false, willCreate: false, ms: Date.now() - started };
  } finally {
    closeRemote(remote);
  }
}

function readDescriptor(body: Uint8Array): { dataset: string; encrypted: boolean } | null {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { dataset_uuid?: unknown; encrypted?: unknown };
    return typeof parsed.dataset_uuid === 'string' ? { dataset: parsed.dataset_uuid, encrypted: parsed.encrypted === true } : null;
  } catch {
    return null; // the sync reports a damaged descriptor with its own error
  }
}

/** The folder the form suggests: one per database inside the app's remote folder. */
export function suggestedFolder(remoteRoot: string, title: string): string {
  const safe = title.replace(/[\\/:*?"<>|\0]/g, '-').trim() || 'database';
  return join(remoteRoot, safe);
}
