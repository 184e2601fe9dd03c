// File-system pieces of the folder remote: crash-safe temp files, stat-only etags,
// per-key lock files, and the mapping of fs errors to errors a person can act on.

import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, stat, unlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TidemarkError } from '../../../shared/errors';

// Names start with ".~" so our list skips them and Dropbox does not even sync them.
const TEMP_PREFIX = '.~tm-';

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * An etag from stat alone, so listing never reads a file. Every write goes through
 * a new temp file (new inode) whose mtime we set to a fresh random nanosecond
 * value, so a rewrite changes the etag even when the file system reuses the inode
 * and the clock's granularity is coarse. ctime is left out on purpose: sync tools
 * touch it (xattrs) without changing the content.
 */
export function etagOf(stats: BigIntStats): string {
  return `${stats.ino.toString(36)}-${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}`;
}

/** Now, plus a random fraction of a millisecond, in seconds. */
function uniqueTime(): number {
  return (Date.now() + Math.random()) / 1000;
}

export interface TempFile {
  path: string;
  /** The etag the file will have once linked or renamed into place. */
  etag: string;
}

/** Writes `body` durably to a hidden temp file in `dir`; `ensureDir` runs when `dir` is missing. */
export async function writeTempFile(
  dir: string,
  body: Uint8Array,
  ensureDir: () => Promise<void>,
): Promise<TempFile> {
  const path = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(path, 'wx').catch(async (error: unknown) => {
    if (!isMissing(error)) throw error;
    await ensureDir();
    return open(path, 'wx');
  });
  try {
    try {
      await handle.writeFile(body);
      const time = uniqueTime();
      await handle.utimes(time, time);
      await handle.sync();
      // link() and rename() keep the inode and its mtime: this is the final etag.
      return { path, etag: etagOf(await handle.stat({ bigint: true })) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

/** Makes a rename or link in `dir` survive a power cut; some systems cannot. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some network file systems refuse fsync on a directory.
  }
}

export async function statEtag(path: string): Promise<string | undefined> {
  try {
    return etagOf(await stat(path, { bigint: true }));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export interface LockOptions {
  /** A lock older than this was left by a crash and is broken. */
  staleMs: number;
  /** Give up waiting after this long. */
  waitMs: number;
}

/**
 * Runs `fn` holding the lock file `.~<name>.tidemark-lock` in `dir`. The lock is
 * only ever held for a stat and a rename, so waits are short; processes on one
 * machine serialize through it ('wx' creation is atomic).
 */
export async function withFileLock<T>(
  dir: string,
  name: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const lockPath = join(dir, `.~${name}.tidemark-lock`);
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      await (await open(lockPath, 'wx')).close();
      break;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const age = await stat(lockPath).then(
      (stats) => Date.now() - stats.mtimeMs,
      () => 0,
    );
    if (age > options.staleMs) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw Object.assign(new Error(`${lockPath} stayed locked for ${options.waitMs} ms`), { code: 'ELOCKED' });
    }
    await sleep(2 + Math.random() * 10);
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

/** Creates the folder a person chose as remote (the first time they configure it). */
export async function ensureFolderRoot(rootPath: string): Promise<void> {
  try {
    await mkdir(rootPath, { recursive: true });
  } catch (error) {
    throw toFolderError(error, rootPath, true);
  }
}

/** Maps an fs error to a TidemarkError naming the folder and what to do. */
export function toFolderError(error: unknown, root: string, writing: boolean): TidemarkError {
  if (error instanceof TidemarkError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      if (!writing) {
        return new TidemarkError({
          kind: 'remote-io',
          remote: root,
          message,
          hint: `Check that you may read the folder ${root}`,
        });
      }
      return new TidemarkError({
        kind: 'remote-not-writable',
        remote: root,
        hint: `Check that you may write to ${root} and that its disk is not read-only`,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new TidemarkError({
        kind: 'remote-not-writable',
        remote: root,
        hint: `The disk that holds ${root} is full: free some space`,
      });
    case 'ENOTCONN':
    case 'ESTALE':
    case 'EHOSTDOWN':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'ENXIO':
    case 'ENODEV':
      return new TidemarkError({
        kind: 'remote-unreachable',
        remote: root,
        hint: `Check that the disk or network share holding ${root} is connected`,
      });
    default:
      return new TidemarkError({
        kind: 'remote-io',
        remote: root,
        message,
        hint: `Check the folder ${root} and try again`,
      });
  }
}

export function rootMissingError(root: string): TidemarkError {
  return new TidemarkError({
    kind: 'remote-not-found',
    remote: root,
    hint: `Plug in the disk that holds ${root}, or create the folder`,
  });
}
