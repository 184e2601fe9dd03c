// Builds the three parts of the desktop app (electron-vite):
// - main: ESM (package.json "type": "module"), native and npm modules left external
//   so better-sqlite3 and keytar load from node_modules; the file worker's
//   thread (src/main/engine/sync/file-worker.ts) is an entry of its own, so it
//   lands beside index.js, where the engine looks for it;
// - preload: ONE CommonJS file with everything bundled in, as sandboxed windows require;
// - renderer: src/renderer/index.html, with relative asset URLs so the same
//   build loads from file:// in Electron and from `tidemark serve` over HTTP.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

// The CSP meta tag in index.html is strict; the dev server needs inline scripts
// (React refresh) and a websocket, so only `electron-vite dev` relaxes it.
const devCsp = (): Plugin => ({
  name: 'tidemark-dev-csp',
  apply: 'serve',
  transformIndexHtml: (html) =>
    html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws: http://localhost:*"),
});

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      lib: {
        entry: { index: resolve(root, 'src/main/index.ts'), 'file-worker-thread': resolve(root, 'src/main/engine/sync/file-worker-thread.ts') },
        formats: ['es'],
      },
      rolldownOptions: { external: ['better-sqlite3', 'keytar'] },
    },
  },
  preload: {
    build: {
      externalizeDeps: false, // sandbox: no require() of node_modules at run time
      lib: { entry: resolve(root, 'src/preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react(), devCsp()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'src/renderer/index.html') },
      minify: true,
      sourcemap: false,
    },
  },
});
