// `tidemark serve`: the built renderer and the SAME gate over HTTP, for
// machines without a display and for end-to-end tests.
//
// Safety, since any web page in the person's browser can send requests to
// 127.0.0.1: it listens on 127.0.0.1 only; everything lives under a random
// token in the path (/<token>/...), so relative asset and API URLs carry it
// and nothing answers without it (401); the Host header must name 127.0.0.1 or
// localhost (DNS rebinding); API calls must be JSON POSTs from our own origin.

import { timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { AppEvent } from '../app/app-service';
import type { Gate } from '../ipc/gate';
import { createEventStream } from './event-stream';
import { isAllowedHost, isAllowedOrigin, newToken } from './request-guards';

export interface HttpServerOptions {
  gate: Gate;
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  token?: string;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const token = options.token ?? newToken();
  const expected = Buffer.from(`/${token}/`);
  const events = createEventStream(options.subscribe);
  let port = 0;

  const server = createServer((request, response) => {
    baseHeaders(response);
    if (!isAllowedHost(request.headers.host, port)) return plain(response, 421, 'Misdirected request: use the 127.0.0.1 URL tidemark serve printed.');
    const url = request.url ?? '/';
    const pathname = url.split('?')[0]!;
    if (!sameBytes(pathname.slice(0, expected.length), expected)) {
      if (sameBytes(`${pathname}/`, expected)) return redirect(response, `/${token}/`);
      return plain(response, 401, 'Open the full URL printed by `tidemark serve`: it contains the access token.');
    }
    const rest = pathname.slice(expected.length);
    if (rest.startsWith('api/')) return void handleApi(request, response, rest.slice(4), port, options.gate);
    if (rest === 'events' && request.method === 'GET') return events.attach(request, response);
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'Method not allowed');
    return serveFile(response, options.rendererDir, rest === '' ? 'index.html' : rest);
  });

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolvePromise({
        url: `http://127.0.0.1:${port}/${token}/`,
        port,
        token,
        close: () =>
          new Promise<void>((done) => {
            events.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function handleApi(request: IncomingMessage, response: ServerResponse, method: string, port: number, gate: Gate): Promise<void> {
  if (request.method !== 'POST') return plain(response, 405, 'API calls are POST requests');
  // A JSON content type cannot be sent cross-origin without a CORS preflight, which we never grant.
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return plain(response, 415, 'Send application/json');
  if (!isAllowedOrigin(request.headers.origin, port)) return plain(response, 403, 'Cross-origin requests are refused');
  let body: unknown;
  try {
    const text = await readBody(request);
    body = text.length ? JSON.parse(text) : {};
  } catch (error) {
    return json(response, 400, {
      ok: false,
      error: { kind: 'invalid-input', field: 'body', message: (error as Error).message, hint: 'Send the input as a JSON object.' },
    });
  }
  json(response, 200, await gate.call(decodeURIComponent(method), body));
}

function sameBytes(text: string, expected: Buffer): boolean {
  const bytes = Buffer.from(text);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error(`the request is larger than ${MAX_BODY / 1024 / 1024} MB`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function serveFile(response: ServerResponse, root: string, relative: string): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return plain(response, 400, 'Bad path');
  }
  const file = normalize(join(root, decoded));
  if (decoded.includes('\0') || !file.startsWith(normalize(root) + sep) || !existsSync(file) || !statSync(file).isFile()) {
    return plain(response, 404, 'Not found');
  }
  response.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'cache-control': file.endsWith('index.html') ? 'no-store' : 'private, max-age=3600',
  });
  createReadStream(file).pipe(response);
}

function baseHeaders(response: ServerResponse): void {
  response.setHeader('content-security-policy', CSP);
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('referrer-policy', 'no-referrer'); // the token is in the path
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('cross-origin-opener-policy', 'same-origin');
  response.setHeader('cross-origin-resource-policy', 'same-origin');
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${text}\n`);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(value));
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location, 'cache-control': 'no-store' });
  response.end();
}
