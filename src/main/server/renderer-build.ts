// Finds the built renderer for `tidemark serve`, building it once when a fresh
// checkout has none yet (CI runs `npm run build` first anyway).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TidemarkError } from '../../shared/errors';

/** The checkout or install root: the folder holding package.json above this file. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export function rendererDirOf(root: string): string {
  return join(root, 'out', 'renderer');
}

export function ensureRendererBuilt(root: string, progress: (text: string) => void): string {
  const dir = rendererDirOf(root);
  if (existsSync(join(dir, 'index.html'))) return dir;
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  if (!existsSync(cli)) {
    throw new TidemarkError({ kind: 'internal', message: `the UI is not built (${dir} is missing)`, hint: 'Run `npm run build` in the Tidemark folder first.' });
  }
  progress('Building the UI once (npm run build)…');
  // stdout stays clean for the URL: the build's own output goes to stderr.
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0 || !existsSync(join(dir, 'index.html'))) {
    throw new TidemarkError({ kind: 'internal', message: 'building the UI failed', hint: 'Run `npm run build` to see why.' });
  }
  return dir;
}

export function packageVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
