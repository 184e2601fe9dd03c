/// <reference types="vite/client" />
import type { Bridge } from '../../shared/bridge';

declare global {
  interface Window {
    /** Present in the desktop app (the preload); absent in a browser through `tidemark serve`. */
    tidemark?: Bridge;
  }
}
