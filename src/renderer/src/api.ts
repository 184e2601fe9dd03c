// The renderer's typed client: `window.tidemark` in the desktop app, the HTTP
// bridge in a browser. Both are built from the contract; the renderer sees one Api.

import { unwrapBridge, type Api } from '../../shared/bridge';
import { createHttpBridge } from './http-bridge';

export const api: Api = unwrapBridge(window.tidemark ?? createHttpBridge());
export const runsInBrowser = window.tidemark === undefined;
export { ApiError } from '../../shared/bridge';
export type { Api } from '../../shared/bridge';
