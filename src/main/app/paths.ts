// Where the app keeps its own files. The desktop app and `tidemark serve` use
// the same folder on purpose, so both show the same list of databases.

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface PathEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

const currentEnv = (): PathEnv => ({ platform: process.platform, env: process.env, home: homedir() });

/** XDG_DATA_HOME/tidemark (~/.local/share/tidemark), ~/Library/Application Support/Tidemark, %APPDATA%\Tidemark. */
export function userDataDir({ platform, env, home }: PathEnv = currentEnv()): string {
  if (env.TIDEMARK_DATA_DIR) return resolve(env.TIDEMARK_DATA_DIR);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Tidemark');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Tidemark');
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(xdg, 'tidemark');
}

export const databasesDirOf = (dataDir: string) => join(dataDir, 'databases');
export const remoteFolderOf = (dataDir: string) => join(dataDir, 'remote');
export const stateFileOf = (dataDir: string) => join(dataDir, 'app-state.json');
export const windowStateFileOf = (dataDir: string) => join(dataDir, 'window-state.json');

/** A path as a person typed it: `~` is their home, a relative path lives in `base`. */
export function resolveUserPath(input: string, base: string, home = homedir()): string {
  const trimmed = input.trim();
  if (trimmed === '~') return home;
  if (trimmed.startsWith('~/') || trimmed.startsWith('~\\')) return join(home, trimmed.slice(2));
  return resolve(base, trimmed);
}
