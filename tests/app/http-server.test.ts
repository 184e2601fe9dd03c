// `tidemark serve`'s HTTP front over the real gate: the token, the Host and
// Origin checks, the API envelope, static files, and pushed events over SSE.

import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningServer } from '../../src/main/server/http-server';
import type { DatabaseSummary } from '../../src/shared/app-types';
import { createTestApp, writeNotesFile, type TestApp } from './app-fixture';

let app: TestApp;
let server: RunningServer;

beforeEach(async () => {
  app = createTestApp();
  const rendererDir = join(app.dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Tidemark</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(app.dir, 'secret.txt'), 'do not serve me');
  server = await startHttpServer({ gate: app.gate, subscribe: app.service.onEvent, rendererDir });
});
afterEach(async () => {
  await server.close();
  app.cleanup();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
const base = () => `/${server.token}/`;
const api = (method: string, input: unknown, headers: Record<string, string> = {}) =>
  send(`${base()}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(input) });

describe('tidemark serve', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/${server.token}/`);
  });

  it.each(['/', '/index.html', '/api/databases.list', '/events', '/wrong-token/', `/${'x'.repeat(43)}/`])('answers %s without the token with 401', async (path) => {
    const answer = await send(path);
    expect(answer.status).toBe(401);
    expect(answer.body).not.toContain('Tidemark</title>');
  });

  it('refuses another Host (DNS rebinding)', async () => {
    expect((await send(base(), { headers: { host: `evil.example:${server.port}` } })).status).toBe(421);
  });

  it('serves the UI with a strict CSP, and nothing outside the renderer folder', async () => {
    const page = await send(base());
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Tidemark</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await send(`${base()}assets/app.js`)).headers['content-type']).toMatch(/javascript/);
    for (const path of ['../secret.txt', '%2e%2e/secret.txt', 'assets/%2e%2e/%2e%2e/secret.txt', 'assets/..%2f..%2fsecret.txt']) {
      const answer = await send(`${base()}${path}`);
      expect(answer.body, path).not.toContain('do not serve me');
    }
    expect((await send(`/${server.token}`)).status).toBe(302);
  });

  it('answers API calls with the same envelopes as the gate', async () => {
    const ok = await api('databases.list', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: [] });
    expect(JSON.parse((await api('databases.list', { extra: 1 })).body)).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(JSON.parse((await api('nope.nope', {})).body)).toMatchObject({ ok: false, error: { field: 'method' } });
    const broken = await send(`${base()}api/databases.list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'body' } });
  });

  it('refuses simple cross-site requests', async () => {
    const form = await send(`${base()}api/databases.list`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
    expect((await api('databases.list', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await api('databases.list', {}, { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await send(`${base()}api/databases.list`)).status).toBe(405);
  });

  it('pushes events over Server-Sent Events', async () => {
    const frames: string[] = [];
    const got = new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: `${base()}events` }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        res.on('data', (chunk: Buffer) => {
          frames.push(chunk.toString());
          if (frames.join('').includes('event: commit')) resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const db = JSON.parse((await api('databases.open', { path: writeNotesFile(app) })).body).value as DatabaseSummary;
    await api('tables.track', { databaseId: db.id, tables: ['notes'] });
    await got;
    const text = frames.join('');
    expect(text).toContain('event: databases.changed');
    expect(text).toMatch(/event: commit\ndata: \{"databaseId":"db_[a-z0-9]+","source":"local","changes":6,"tables":\["notes"\]\}/);
  });
});
