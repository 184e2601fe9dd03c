// What a person types to name a remote: a folder path, a file:// URL, or
// s3://bucket/prefix. Endpoint, region and credentials are configured apart
// (credentials only in the OS keychain), so the URL never holds a secret.

import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TidemarkError } from '../../../shared/errors';

export type RemoteConfig = { kind: 'folder'; path: string } | { kind: 's3'; bucket: string; prefix: string };

export interface ParseRemoteUrlOptions {
  /** Base for relative folder paths (default: the current directory). */
  cwd?: string;
}

// Lenient on purpose: S3-compatible services accept more than AWS's rules.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

function invalid(message: string, hint: string): TidemarkError {
  return new TidemarkError({ kind: 'invalid-input', field: 'remote', message, hint });
}

const FORMS = 'Use a folder path, file:///path/to/folder or s3://bucket/prefix';

export function parseRemoteUrl(url: string, options: ParseRemoteUrlOptions = {}): RemoteConfig {
  const text = url.trim();
  if (text === '') throw invalid('it is empty', FORMS);
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === 's3') return parseS3(text);
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(text);
    } catch (error) {
      throw invalid(`${text} is not a usable file URL (${(error as Error).message})`, FORMS);
    }
    return { kind: 'folder', path };
  }
  if (scheme !== undefined) throw invalid(`"${scheme}://" remotes are not supported`, FORMS);
  return { kind: 'folder', path: resolveFolder(text, options.cwd ?? process.cwd()) };
}

function resolveFolder(text: string, cwd: string): string {
  // The app's input box gets no shell expansion: "~/Dropbox/notes" must still work.
  if (text === '~') return homedir();
  if (text.startsWith('~/')) return resolve(homedir(), text.slice(2));
  return isAbsolute(text) ? resolve(text) : resolve(cwd, text);
}

function parseS3(text: string): RemoteConfig {
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  // Never echo what was before '@': it may be a secret.
  if (authority.includes('@') || authority.includes(':')) {
    throw invalid(
      'the s3:// URL must not contain credentials or a port',
      'Write s3://bucket/prefix; set the endpoint apart and the keys with "tidemark credentials"',
    );
  }
  if (/[?#]/.test(rest)) throw invalid(`${text} has a query or fragment`, 'Write s3://bucket/prefix');
  if (!BUCKET.test(authority)) {
    throw invalid(
      `"${authority}" is not a bucket name`,
      'Bucket names are 3-63 lowercase letters, digits, dots and hyphens: s3://bucket/prefix',
    );
  }
  const prefix = (slash === -1 ? '' : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && prefix.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw invalid(`the prefix "${prefix}" has an empty, "." or ".." part`, 'Write s3://bucket/folder/subfolder');
  }
  return { kind: 's3', bucket: authority, prefix };
}

/** The URL form of a config, as parseRemoteUrl reads it back. */
export function formatRemoteUrl(config: RemoteConfig): string {
  if (config.kind === 'folder') return config.path;
  return config.prefix === '' ? `s3://${config.bucket}` : `s3://${config.bucket}/${config.prefix}`;
}
