// Security guards and small persistence helpers as plain functions, with
// tables of hostile input (STYLE.md "Tests").

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadState, saveState } from '../../src/main/app/app-state';
import { resolveUserPath, userDataDir } from '../../src/main/app/paths';
import { isAllowedHost, isAllowedOrigin, newToken } from '../../src/main/server/request-guards';
import { isAllowedExternalUrl, isTrustedRendererUrl } from '../../src/main/window-guards';
import { fitToDisplays, loadWindowState, saveWindowState } from '../../src/main/window-state';
import { showValue } from '../../src/shared/value-format';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-guards-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('tidemark serve guards', () => {
  it.each([
    ['127.0.0.1:4000', true],
    ['localhost:4000', true],
    ['LOCALHOST:4000', true],
    ['127.0.0.1:4001', false],
    ['127.0.0.1', false],
    ['evil.example:4000', false], // DNS rebinding
    ['127.0.0.1.evil.example:4000', false],
    ['localhost.:4000', false],
    ['[::1]:4000', false], // we never listen there
    ['0.0.0.0:4000', false],
    ['127.0.0.1:4000@evil', false],
    ['', false],
    [undefined, false],
  ])('Host %j → %s', (host, allowed) => expect(isAllowedHost(host, 4000)).toBe(allowed));

  it.each([
    [undefined, true],
    ['http://127.0.0.1:4000', true],
    ['http://localhost:4000', true],
    ['http://127.0.0.1:4001', false],
    ['https://127.0.0.1:4000', false],
    ['http://evil.example', false],
    ['null', false], // sandboxed iframes and file:// pages
  ])('Origin %j → %s', (origin, allowed) => expect(isAllowedOrigin(origin, 4000)).toBe(allowed));

  it('makes long unguessable tokens', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(a);
  });
});

describe('window guards', () => {
  const origin = { fileUrl: 'file:///opt/Tidemark/resources/app/out/renderer/index.html' };
  it.each([
    ['file:///opt/Tidemark/resources/app/out/renderer/index.html', true],
    ['file:///opt/Tidemark/resources/app/out/renderer/index.html#db=db_abc123', true],
    ['file:///opt/Tidemark/resources/app/out/renderer/other.html', false],
    ['file:///tmp/evil/index.html', false],
    ['file://evil-host/opt/Tidemark/resources/app/out/renderer/index.html', false],
    ['https://example.com/', false],
    ['http://localhost:5173/', false], // no dev server outside development
    ['data:text/html,<script>1</script>', false],
    ['javascript:alert(1)', false],
    ['', false],
    [null, false],
    ['not a url', false],
  ])('renderer URL %j → %s', (url, trusted) => expect(isTrustedRendererUrl(url, origin)).toBe(trusted));

  it('trusts the dev server only in development, and only on localhost', () => {
    const dev = { ...origin, devUrl: 'http://localhost:5173/' };
    expect(isTrustedRendererUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isTrustedRendererUrl('http://user:pw@localhost:5173/', dev)).toBe(false);
  });

  it.each([
    ['https://github.com/tidemark/tidemark', true],
    ['https://docs.aws.amazon.com/s3/', true],
    ['http://github.com/', false],
    ['https://github.com.evil.example/', false],
    ['https://user@github.com/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://server/share', false],
  ])('external link %j → %s', (url, allowed) => expect(isAllowedExternalUrl(url)).toBe(allowed));
});

describe('window state', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1080 };
  it('keeps bounds that are on a display, and replaces bounds from a display that is gone', () => {
    expect(fitToDisplays({ x: 100, y: 80, width: 1200, height: 800 }, [screen])).toEqual({ x: 100, y: 80, width: 1200, height: 800 });
    expect(fitToDisplays({ x: 3000, y: 80, width: 1200, height: 800 }, [screen])).toEqual({ width: 1200, height: 780 });
    expect(fitToDisplays({ x: 10, y: 10, width: 200, height: 100 }, [screen])).toMatchObject({ width: 880, height: 560 });
    expect(fitToDisplays(null, [screen])).toEqual({ width: 1200, height: 780 });
  });

  it('survives a missing or damaged file', () => {
    const dir = tempDir();
    const file = join(dir, 'window-state.json');
    expect(loadWindowState(file)).toEqual({ bounds: null, maximized: false });
    writeFileSync(file, '{"bounds": {"x": "left"}');
    expect(loadWindowState(file)).toEqual({ bounds: null, maximized: false });
    saveWindowState(file, { bounds: { x: 1, y: 2, width: 900, height: 600 }, maximized: true });
    expect(loadWindowState(file)).toEqual({ bounds: { x: 1, y: 2, width: 900, height: 600 }, maximized: true });
  });
});

describe('app state and paths', () => {
  it('sets a damaged state file aside instead of failing', () => {
    const dir = tempDir();
    const file = join(dir, 'app-state.json');
    expect(loadState(file).firstRun).toBe(true);
    saveState(file, { format: 1, databases: [{ id: 'db_abc123', path: '/x.db', addedAt: '' }, { id: '../evil', path: '/y', addedAt: '' } as never], remoteFolder: null, welcomed: true });
    expect(loadState(file).state.databases.map((d) => d.id)).toEqual(['db_abc123']);
    writeFileSync(file, '{not json');
    expect(loadState(file)).toMatchObject({ firstRun: false, state: { databases: [], welcomed: true } });
    expect(readdirSync(dir).some((f) => f.startsWith('app-state.json.damaged-'))).toBe(true);
  });

  it('uses each platform’s data folder', () => {
    const env = { home: '/home/ana', env: {} };
    expect(userDataDir({ ...env, platform: 'linux' })).toBe('/home/ana/.local/share/tidemark');
    expect(userDataDir({ ...env, platform: 'linux', env: { XDG_DATA_HOME: '/data' } })).toBe('/data/tidemark');
    expect(userDataDir({ ...env, platform: 'linux', env: { XDG_DATA_HOME: 'relative' } })).toBe('/home/ana/.local/share/tidemark');
    expect(userDataDir({ ...env, platform: 'darwin' })).toBe('/home/ana/Library/Application Support/Tidemark');
    expect(userDataDir({ ...env, platform: 'win32', env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' } })).toMatch(/Tidemark$/);
    expect(resolveUserPath('~/notes.db', '/base', '/home/ana')).toBe('/home/ana/notes.db');
    expect(resolveUserPath('notes.db', '/base', '/home/ana')).toBe('/base/notes.db');
    expect(resolveUserPath('/abs/notes.db', '/base', '/home/ana')).toBe('/abs/notes.db');
  });
});

describe('values for people', () => {
  it.each([
    [null, 'absent', '—'],
    ['null', 'null', 'NULL'],
    ['"hi"', 'text', 'hi'],
    ['42', 'integer', '42'],
    ['9007199254740993', 'integer', '9007199254740993'],
    ['1.0', 'real', '1.0'],
    ['1e999', 'real', 'Infinity'],
    ['{"$blob":"AQID"}', 'blob', '<3 bytes>'],
    ['{"$blob":""}', 'blob', '<0 bytes>'],
  ])('%j reads as %s', (json, kind, text) => expect(showValue(json)).toMatchObject({ kind, text }));
});
