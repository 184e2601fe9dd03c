// Starts the real `tidemark serve` (the CLI, the real engine) for a browser
// test: a temp data dir, port 0, and the URL read from its first stdout line.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const RENDERER = join(ROOT, 'out', 'renderer', 'index.html');
const LOCK = join(ROOT, 'out', '.e2e-build-lock');

/** Builds the app once when out/renderer is missing (CI builds first anyway); parallel test files wait for one build. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(RENDERER)) return;
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  let mine = false;
  try {
    mkdirSync(LOCK);
    mine = true;
  } catch {
    // another test file is building; a lock older than 2 minutes is stale
    if (Date.now() - statSync(LOCK).mtimeMs > 120_000) return (rmSync(LOCK, { recursive: true, force: true }), ensureBuilt());
  }
  if (mine) {
    try {
      const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`electron-vite build failed:\n${result.stderr}`);
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
    return;
  }
  while (existsSync(LOCK)) await new Promise((r) => setTimeout(r, 200));
  if (!existsSync(RENDERER)) throw new Error('the renderer build by another test file failed');
}

export interface Served {
  url: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the server wrote to stderr (shown when a test fails). */
  log(): string;
  stop(): Promise<void>;
}

export async function serve(options: { open?: string; dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  await ensureBuilt();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tidemark-e2e-'));
  // Without --port, serve takes a free random port.
  const args = [join(ROOT, 'bin/tidemark.mjs'), 'serve', '--data-dir', dataDir];
  if (options.open) args.push('--open', options.open);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`tidemark serve did not print a URL:\n${stderr}`)), 60_000);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.startsWith('http://127.0.0.1:'));
      if (line) (clearTimeout(timer), resolveUrl(line.trim()));
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`tidemark serve exited with ${code}:\n${stderr}`))));
  });
  return {
    url,
    dataDir,
    process: child,
    log: () => stderr,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGINT'); // serve closes cleanly on Ctrl-C
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
