// Which remote a database syncs with, kept in the database itself (never a
// secret: S3 keys come from the caller, i.e. the keychain or the environment).

import type { TidemarkDatabase } from '../database';
import { createRemote, ensureFolderRoot, parseRemoteUrl, type Remote, type RemoteConfig } from '../remote';
import { META, readMeta, writeMeta } from '../schema';
import { TidemarkError } from '../../../shared/errors';
import { readPushState, writePushState } from './sync-state';
import type { SecretStore } from '../secrets/secret-store';

export interface RemoteSettings {
  url: string;
  config: RemoteConfig;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  /** Found the dataset end-to-end encrypted (only matters for a new remote). */
  encrypt?: boolean;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function readRemoteSettings(db: TidemarkDatabase): RemoteSettings | null {
  const text = readMeta(db.sqlite, META.remote);
  return text ? (JSON.parse(text) as RemoteSettings) : null;
}

/** Points the database at a remote. Moving to another remote re-uploads this device's changes there. */
export async function setRemote(
  db: TidemarkDatabase,
  url: string,
  options: { endpoint?: string; region?: string; pathStyle?: boolean; encrypt?: boolean; cwd?: string } = {},
): Promise<RemoteSettings> {
  const config = parseRemoteUrl(url, { cwd: options.cwd });
  if (config.kind === 'folder') await ensureFolderRoot(config.path);
  if (options.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(options.endpoint)) {
    throw new TidemarkError({ kind: 'invalid-input', field: '--endpoint', message: `"${options.endpoint}" is not an http(s) URL`, hint: 'Example: --endpoint https://s3.eu-central-1.example.com' });
  }
  const settings: RemoteSettings = {
    url: config.kind === 'folder' ? config.path : url.trim(),
    config,
    ...(options.encrypt ? { encrypt: true } : {}),
    ...(config.kind === 's3' ? { endpoint: options.endpoint, region: options.region, pathStyle: options.pathStyle } : {}),
  };
  const previous = readRemoteSettings(db);
  db.transaction(() => {
    writeMeta(db.sqlite, META.remote, JSON.stringify(settings));
    if (previous && JSON.stringify(previous.config) !== JSON.stringify(settings.config)) {
      // Another place: our head there is unknown, and replicas' heads must be read
      // afresh. Positions and chains stay: the first sync there re-seeds it with a snapshot.
      writePushState(db.sqlite, { ...readPushState(db.sqlite), headEtag: null, batches: [], snapshot: null });
      db.sqlite.prepare('UPDATE ZV_REPLICA SET head_etag = NULL').run();
    }
  });
  return settings;
}

export function requireRemoteSettings(db: TidemarkDatabase): RemoteSettings {
  const settings = readRemoteSettings(db);
  if (!settings) {
    throw new TidemarkError({ kind: 'remote-not-configured', hint: `Choose where to sync: tidemark remote ${db.path} <folder or s3://bucket/prefix>` });
  }
  return settings;
}

export function openRemote(settings: RemoteSettings, credentials?: S3Credentials): Remote {
  return createRemote(settings.config, {
    s3: { endpoint: settings.endpoint, region: settings.region, forcePathStyle: settings.pathStyle, credentials },
  });
}

/** The keychain account holding an S3 remote's keys: one per endpoint and bucket. */
export function credentialsAccount(settings: RemoteSettings): string | null {
  if (settings.config.kind !== 's3') return null;
  return `s3-credentials/${settings.endpoint ?? 'aws'}/${settings.config.bucket}`;
}

export async function storeCredentials(secrets: SecretStore, settings: RemoteSettings, credentials: S3Credentials): Promise<void> {
  const account = credentialsAccount(settings);
  if (!account) {
    throw new TidemarkError({ kind: 'invalid-input', field: 'remote', message: 'a folder remote needs no credentials', hint: 'Credentials are for s3:// remotes.' });
  }
  if (!credentials.accessKeyId.trim() || !credentials.secretAccessKey.trim()) {
    throw new TidemarkError({ kind: 'invalid-input', field: 'credentials', message: 'the access key id and the secret must both be given', hint: 'Enter the key id on the first line and the secret on the second.' });
  }
  await secrets.set(account, JSON.stringify({ accessKeyId: credentials.accessKeyId.trim(), secretAccessKey: credentials.secretAccessKey.trim() }));
}

/** The environment's keys when set (they override), else the keychain's. */
export async function resolveCredentials(settings: RemoteSettings, env: NodeJS.ProcessEnv, secrets: SecretStore): Promise<S3Credentials | undefined> {
  const fromEnv = credentialsFromEnv(env);
  if (fromEnv) return fromEnv;
  const account = credentialsAccount(settings);
  const stored = account ? await secrets.get(account) : null;
  return stored ? (JSON.parse(stored) as S3Credentials) : undefined;
}

export async function hasStoredCredentials(settings: RemoteSettings, secrets: SecretStore): Promise<boolean> {
  const account = credentialsAccount(settings);
  return account !== null && (await secrets.get(account)) !== null;
}

/** S3 keys from the standard AWS environment variables, when both are set. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}
