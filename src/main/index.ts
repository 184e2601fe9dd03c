// Composition root of the desktop app: the one place where the app service,
// the gate, Electron's IPC and the window meet (STYLE.md "Layers").

import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, nativeTheme, screen, session, shell } from 'electron';
import { createAppService, type AppService } from './app/app-service';
import { createKeychainSecretStore } from './engine/secrets/keychain-secret-store';
import { userDataDir, windowStateFileOf } from './app/paths';
import { registerElectronGate } from './ipc/electron-gate';
import { createGate } from './ipc/gate';
import { createHandlers } from './ipc/handlers';
import { isAllowedExternalUrl, isTrustedRendererUrl, type RendererOrigin } from './window-guards';
import { fitToDisplays, loadWindowState, MIN_SIZE, saveWindowState } from './window-state';

const dataDir = userDataDir();
const rendererFile = fileURLToPath(new URL('../renderer/index.html', import.meta.url));
const preloadFile = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const origin: RendererOrigin = {
  fileUrl: pathToFileURL(rendererFile).href,
  devUrl: !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined,
};
const log = (error: unknown) => console.error('[tidemark]', error);

let service: AppService | undefined;

if (!app.requestSingleInstanceLock()) {
  app.quit(); // a second copy would open the same databases and state file
} else {
  app.on('second-instance', () => {
    const window = BrowserWindow.getAllWindows()[0];
    if (window) (window.isMinimized() && window.restore(), window.focus());
  });
  app.whenReady().then(start, (error) => log(error));
}

function start(): void {
  nativeTheme.themeSource = 'system'; // light/dark follow the OS; the CSS uses prefers-color-scheme
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  service = createAppService({
    dataDir,
    host: 'electron',
    version: app.getVersion(),
    onError: log,
    secrets: createKeychainSecretStore(), // the OS keychain: keys and S3 credentials never touch the renderer
    autoSync: { enabled: true },
  });
  try {
    service.ensureWelcome();
  } catch (error) {
    log(error); // a failed sample must not keep the app from opening
  }
  const gate = createGate(createHandlers(service), { onInternalError: (method, error) => log({ method, error }) });
  registerElectronGate(gate, service, origin);
  createWindow();
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow());
}

function createWindow(): BrowserWindow {
  const stateFile = windowStateFileOf(dataDir);
  const saved = loadWindowState(stateFile);
  const bounds = fitToDisplays(saved.bounds, screen.getAllDisplays().map((d) => d.workArea));
  const window = new BrowserWindow({
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Tidemark',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1b1c1f' : '#ffffff',
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (saved.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  const remember = () => {
    if (window.isDestroyed()) return;
    // Normal bounds even when maximized, so un-maximizing next time lands where it was.
    saveWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  };
  let timer: NodeJS.Timeout | undefined;
  const rememberSoon = () => (clearTimeout(timer), (timer = setTimeout(remember, 400)));
  window.on('resize', rememberSoon);
  window.on('move', rememberSoon);
  window.on('close', () => (clearTimeout(timer), remember()));

  if (origin.devUrl) void window.loadURL(origin.devUrl);
  else void window.loadFile(rendererFile);
  return window;
}

// Every web contents, present and future: no navigation away, no new windows,
// no <webview>; allow-listed https links open in the system browser.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedRendererUrl(url, origin)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedRendererUrl(url, origin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => service?.close());
