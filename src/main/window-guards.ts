// Security guards of the desktop window, as plain functions so they can be
// tested with tables of hostile input (STYLE.md "Tests"). Electron-free.

/** Where the renderer legitimately lives: the built index.html, or the dev server in `electron-vite dev`. */
export interface RendererOrigin {
  /** file:// URL of out/renderer/index.html. */
  fileUrl: string;
  /** http://localhost:5173/ during development only. */
  devUrl?: string;
}

/** Only our own page may call the API: not another file, not a frame, not a remote site. */
export function isTrustedRendererUrl(url: string | undefined | null, origin: RendererOrigin): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  if (parsed.protocol === 'file:') {
    const expected = new URL(origin.fileUrl);
    return parsed.host === '' && decodeURIComponent(parsed.pathname) === decodeURIComponent(expected.pathname);
  }
  if (origin.devUrl) {
    const dev = new URL(origin.devUrl);
    return parsed.origin === dev.origin && (parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1');
  }
  return false;
}

/** Links we hand to the system browser; everything else is refused. */
const EXTERNAL_ALLOW = ['https://github.com/', 'https://docs.aws.amazon.com/', 'https://www.electronjs.org/'];

export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  return EXTERNAL_ALLOW.some((prefix) => `${parsed.origin}${parsed.pathname}`.startsWith(prefix));
}
