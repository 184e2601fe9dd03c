// The Electron adapter of the gate: one ipcMain.handle per contract method,
// each checking that the call comes from our own page's main frame, and pushed
// events sent to every window. Imported only by src/main/index.ts, so nothing
// that runs under plain Node (tests, the CLI) ever loads `electron`.

import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { eventChannel, methodChannel, methodNames, type Result } from '../../shared/contract';
import type { AppService } from '../app/app-service';
import { isTrustedRendererUrl, type RendererOrigin } from '../window-guards';
import type { Gate } from './gate';

const refused: Result<never> = {
  ok: false,
  error: { kind: 'invalid-input', field: 'sender', message: 'this page may not use the Tidemark API', hint: 'Only the Tidemark window itself can.' },
};

function isTrustedSender(event: IpcMainInvokeEvent, origin: RendererOrigin): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false; // no iframes
  return isTrustedRendererUrl(frame.url, origin);
}

export function registerElectronGate(gate: Gate, service: AppService, origin: RendererOrigin): () => void {
  for (const method of methodNames) {
    ipcMain.handle(methodChannel(method), (event, input: unknown) => (isTrustedSender(event, origin) ? gate.call(method, input) : refused));
  }
  const stopEvents = service.onEvent((event) => {
    for (const window of BrowserWindow.getAllWindows()) {
      const contents = window.webContents;
      if (!contents.isDestroyed() && isTrustedRendererUrl(contents.getURL(), origin)) contents.send(eventChannel(event.name), event.payload);
    }
  });
  return () => {
    stopEvents();
    for (const method of methodNames) ipcMain.removeHandler(methodChannel(method));
  };
}
