// Two devices for sync tests: each a whole app (service, gate, its own memory
// keychain) with a "Notes" database holding a tracked `notes` table, and one
// folder remote in a temp dir between them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSummary } from '../../src/shared/app-types';
import type { EventName, EventPayload } from '../../src/shared/contract';
import { createTestApp, type TestApp, type TestAppOptions } from './app-fixture';

export interface Device {
  app: TestApp;
  id: string;
  uuid: string;
  events: Array<{ name: EventName; payload: unknown }>;
  /** Payloads of one event, in order. */
  received<E extends EventName>(name: E): EventPayload<E>[];
  call<T = unknown>(method: string, input?: Record<string, unknown>): Promise<T>;
  /** The error envelope of a call that must fail. */
  fail(method: string, input?: Record<string, unknown>): Promise<{ kind: string; field?: string; message?: string; hint: string }>;
}

export async function createDevice(name: string, options: TestAppOptions = {}): Promise<Device> {
  const app = createTestApp(options);
  const events: Device['events'] = [];
  app.service.onEvent((e) => events.push(e));
  const db = await app.call<DatabaseSummary>('databases.create', { path: 'Notes.db', replicaName: name });
  await app.call('tables.create', { databaseId: db.id, name: 'notes', columns: [{ name: 'title', type: 'TEXT' }], track: true });
  return {
    app,
    id: db.id,
    uuid: db.uuid!,
    events,
    received: <E extends EventName>(event: E) => events.filter((e) => e.name === event).map((e) => e.payload as EventPayload<E>),
    call: <T>(method: string, input: Record<string, unknown> = {}) => app.call<T>(method, { databaseId: db.id, ...input }),
    async fail(method, input = {}) {
      const result = await app.gate.call(method, { databaseId: db.id, ...input });
      if (result.ok) throw new Error(`${method} should have failed but answered ${JSON.stringify(result.value)}`);
      return result.error as never;
    },
  };
}

export function createFolder(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'tidemark-app-remote-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export const folderDraft = (path: string) => ({ kind: 'folder', path });

/** Ids of the rows of `notes` as this device's Data screen sees them. */
export async function noteTitles(device: Device): Promise<string[]> {
  const page = await device.call<{ rows: { cells: (string | null)[] }[] }>('rows.page', { table: 'notes' });
  return page.rows.map((r) => JSON.parse(r.cells[1] ?? 'null') as string).sort();
}
