// The folder remote: a plain directory, for people who sync through Dropbox,
// iCloud, Syncthing or a USB disk. Every write lands by rename or link of a
// fsync'ed hidden temp file, so no reader (nor a crash) ever sees half a file under
// its final name. Listing and "not modified" checks use stat only: a no-op sync
// reads no file. Locks and atomicity hold between processes of one machine; sync
// tools between machines bring their own conflict copies, which we ignore.

import { createWriteStream, type Dirent } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  errorCode,
  etagOf,
  isMissing,
  rootMissingError,
  statEtag,
  syncDir,
  toFolderError,
  withFileLock,
  writeTempFile,
  type LockOptions,
} from './folder-files';
import {
  assertValidKey,
  compareKeys,
  isForeignName,
  type FileGetResult,
  type GetResult,
  type ListOptions,
  type PutResult,
  type Remote,
  type RemoteObject,
} from './remote';

export { ensureFolderRoot } from './folder-files';

export interface FolderRemoteOptions {
  /** Lock files older than this are left over from a crash (default 30 s). */
  lockStaleMs?: number;
}

// File systems without hard links (FAT, exFAT, some network shares).
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

export function createFolderRemote(rootPath: string, options: FolderRemoteOptions = {}): Remote {
  const root = resolve(rootPath);
  const lockOptions: LockOptions = { staleMs: options.lockStaleMs ?? 30_000, waitMs: 60_000 };

  // Never mkdir the root itself: an unplugged disk must not turn into an empty
  // folder on the system disk that looks like a fresh remote.
  async function assertRoot(): Promise<void> {
    const stats = await stat(root).catch((error: unknown) => {
      if (isMissing(error)) throw rootMissingError(root);
      throw error;
    });
    if (!stats.isDirectory()) throw rootMissingError(root);
  }

  function pathOf(key: string): string {
    assertValidKey(key);
    return join(root, ...key.split('/'));
  }

  async function ensureDir(dir: string): Promise<void> {
    await assertRoot();
    await mkdir(dir, { recursive: true });
  }

  /** Runs an operation, turning any fs failure into a TidemarkError. */
  async function guard<T>(writing: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toFolderError(error, root, writing);
    }
  }

  async function walk(dirKey: string, namePrefix: string, startAfter: string | undefined, out: RemoteObject[]) {
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, dirKey), { withFileTypes: true });
    } catch (error) {
      if (!isMissing(error)) throw error;
      await assertRoot(); // a missing subfolder is an empty listing, a missing root is not
      return;
    }
    const files: string[] = [];
    const dirs: string[] = [];
    for (const entry of entries) {
      if (isForeignName(entry.name) || !entry.name.startsWith(namePrefix)) continue;
      const key = dirKey + entry.name;
      // Symlinks are skipped: a key must be a file this folder owns.
      if (entry.isDirectory()) {
        const below = `${key}/`;
        // Every key below sorts before startAfter: skip the whole subtree.
        if (startAfter !== undefined && compareKeys(startAfter, below) > 0 && !startAfter.startsWith(below)) continue;
        dirs.push(below);
      } else if (entry.isFile()) {
        if (startAfter === undefined || compareKeys(key, startAfter) > 0) files.push(key);
      }
    }
    const stats = await Promise.all(
      files.map((key) =>
        stat(join(root, key), { bigint: true }).catch((error: unknown) => {
          if (isMissing(error)) return undefined; // deleted while we listed
          throw error;
        }),
      ),
    );
    files.forEach((key, i) => {
      const found = stats[i];
      if (found) out.push({ key, etag: etagOf(found), size: Number(found.size) });
    });
    for (const below of dirs) await walk(below, '', startAfter, out);
  }

  /** An object's file opened for reading, or undefined when there is none (and the root is there). */
  const openObject = (file: string) =>
    open(file, 'r').catch(async (error: unknown) => {
      if (!isMissing(error)) throw error;
      await assertRoot();
      return undefined;
    });

  return {
    url: root,

    list(prefix: string, listOptions: ListOptions = {}): Promise<RemoteObject[]> {
      return guard(false, async () => {
        listOptions.onRequest?.();
        const slash = prefix.lastIndexOf('/');
        const out: RemoteObject[] = [];
        await walk(prefix.slice(0, slash + 1), prefix.slice(slash + 1), listOptions.startAfter, out);
        return out.sort((a, b) => compareKeys(a.key, b.key));
      });
    },

    async get(key: string, getOptions: { ifNoneMatch?: string } = {}): Promise<GetResult> {
      const file = pathOf(key);
      return guard(false, async (): Promise<GetResult> => {
        if (getOptions.ifNoneMatch !== undefined) {
          const etag = await statEtag(file);
          if (etag === getOptions.ifNoneMatch) return { status: 'not-modified' };
        }
        const handle = await openObject(file);
        if (!handle) return { status: 'missing' };
        try {
          // etag and body from one open inode, even if a rename replaces the name.
          const stats = await handle.stat({ bigint: true });
          if (!stats.isFile()) return { status: 'missing' }; // a folder is not an object
          const etag = etagOf(stats);
          if (etag === getOptions.ifNoneMatch) return { status: 'not-modified' };
          return { status: 'ok', body: new Uint8Array(await handle.readFile()), etag };
        } finally {
          await handle.close();
        }
      });
    },

    async getToFile(key: string, path: string): Promise<FileGetResult> {
      const file = pathOf(key);
      return guard(false, async (): Promise<FileGetResult> => {
        const handle = await openObject(file);
        if (!handle) return { status: 'missing' };
        try {
          const stats = await handle.stat({ bigint: true });
          if (!stats.isFile()) return { status: 'missing' };
          const out = createWriteStream(path);
          await pipeline(handle.createReadStream({ autoClose: false }), out);
          return { status: 'ok', bytes: out.bytesWritten, etag: etagOf(stats) };
        } finally {
          await handle.close();
        }
      });
    },

    async putIfAbsent(key: string, body: Uint8Array): Promise<PutResult> {
      const file = pathOf(key);
      const dir = dirname(file);
      return guard(true, async (): Promise<PutResult> => {
        const temp = await writeTempFile(dir, body, () => ensureDir(dir));
        try {
          try {
            // link() fails with EEXIST instead of replacing: create-only, atomically.
            await link(temp.path, file);
          } catch (error) {
            if (errorCode(error) === 'EEXIST') return { status: 'conflict' };
            if (!NO_HARD_LINKS.has(errorCode(error) ?? '')) throw error;
            const created = await withFileLock(dir, key.split('/').pop() ?? key, lockOptions, async () => {
              if ((await statEtag(file)) !== undefined) return false;
              await rename(temp.path, file);
              return true;
            });
            if (!created) return { status: 'conflict' };
          }
          await syncDir(dir);
          return { status: 'ok', etag: temp.etag };
        } finally {
          await rm(temp.path, { force: true });
        }
      });
    },

    async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<PutResult> {
      const file = pathOf(key);
      const dir = dirname(file);
      return guard(true, async (): Promise<PutResult> => {
        const temp = await writeTempFile(dir, body, () => ensureDir(dir));
        try {
          const swapped = await withFileLock(dir, key.split('/').pop() ?? key, lockOptions, async () => {
            if ((await statEtag(file)) !== etag) return false;
            await rename(temp.path, file);
            return true;
          });
          if (!swapped) return { status: 'conflict' };
          await syncDir(dir);
          return { status: 'ok', etag: temp.etag };
        } finally {
          await rm(temp.path, { force: true });
        }
      });
    },

    async delete(key: string): Promise<void> {
      const file = pathOf(key);
      const dir = dirname(file);
      return guard(true, async () => {
        try {
          // Under the key's lock, so a delete cannot slip between a
          // compare-and-swap's check and its rename.
          await withFileLock(dir, key.split('/').pop() ?? key, lockOptions, () =>
            unlink(file).catch((error: unknown) => {
              if (!isMissing(error)) throw error;
            }),
          );
        } catch (error) {
          if (!isMissing(error)) throw error;
          await assertRoot(); // the key's folder does not exist: nothing to delete
        }
      });
    },
  };
}
