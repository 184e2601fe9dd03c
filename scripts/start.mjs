// `npm start`: the desktop app when Electron can run here; otherwise the same
// UI in a browser through `tidemark serve`, on the person's own data folder
// (first run: a sample database and a folder for syncing). Never a stack trace.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Why Electron cannot start, or an empty list when it can. Never loads `electron` (that would try to download it). */
function electronBlockers() {
  const reasons = [];
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  const binary = existsSync(pathFile) ? join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
  if (!binary || !existsSync(binary)) reasons.push('the Electron binary is not downloaded');
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) reasons.push('no display');
  return { reasons, binary };
}

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
    const forward = () => child.kill('SIGINT');
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 0 : 1));
    });
    child.on('error', (error) => {
      console.error(`tidemark: could not start ${command}: ${error.message}`);
      resolve(1);
    });
  });
}

function build() {
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    console.error('tidemark: building the app failed; run `npm run build` to see why.');
    process.exit(1);
  }
}

function openInBrowser(url) {
  const opener = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(opener[0], opener[1], { stdio: 'ignore', detached: true });
    child.on('error', () => {}); // no browser to open: the printed URL is enough
    child.unref();
  } catch {
    // same
  }
}

async function main() {
  const { reasons, binary } = electronBlockers();
  if (reasons.length === 0) {
    build();
    return run(binary, [root]);
  }
  console.log(`Electron can't start here (${reasons.join(', ')}); opening the same UI in your browser:`);
  const canShowBrowser = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  // serve prints the URL on stdout (its first line); pass it through and open it when a browser can show.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'tidemark.mjs'), 'serve', ...process.argv.slice(2)], { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
    let opened = false;
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const url = /http:\/\/127\.0\.0\.1:\d+\/\S+/.exec(String(chunk))?.[0];
      if (url && !opened && canShowBrowser) (opened = true), openInBrowser(url);
    });
    const forward = () => child.kill('SIGINT'); // serve closes its databases cleanly on SIGINT
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code) => resolve(code ?? 0));
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`tidemark: ${error?.message ?? error}`);
    process.exit(1);
  },
);
