// The preload: exposes exactly the contract on `window.tidemark`, one function
// per method plus `on(event, listener)` for pushed events. Never a raw
// ipcRenderer, never a generic invoke. Built as one CommonJS bundle because the
// window is sandboxed.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildBridge } from '../shared/bridge';
import { eventChannel, methodChannel } from '../shared/contract';

const bridge = buildBridge(
  (method, input) => ipcRenderer.invoke(methodChannel(method), input),
  (event, listener) => {
    // The page gets the payload only, never the IpcRendererEvent (it holds `sender`).
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(eventChannel(event), forward);
    return () => void ipcRenderer.removeListener(eventChannel(event), forward);
  },
);

contextBridge.exposeInMainWorld('tidemark', bridge);
