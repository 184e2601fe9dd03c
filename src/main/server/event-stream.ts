// Pushed events over Server-Sent Events: one stream per open page, each event
// named as in the contract (`event: commit`), its payload as JSON.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppEvent } from '../app/app-service';

const KEEPALIVE_MS = 20_000;

export function createEventStream(subscribe: (listener: (event: AppEvent) => void) => () => void) {
  const clients = new Set<ServerResponse>();
  const unsubscribe = subscribe((event) => {
    const frame = `event: ${event.name}\ndata: ${JSON.stringify(event.payload)}\n\n`;
    for (const client of clients) client.write(frame);
  });
  const keepalive = setInterval(() => {
    for (const client of clients) client.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  return {
    attach(request: IncomingMessage, response: ServerResponse): void {
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write('retry: 2000\n: connected\n\n');
      clients.add(response);
      request.on('close', () => clients.delete(response));
    },
    close(): void {
      clearInterval(keepalive);
      unsubscribe();
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}
