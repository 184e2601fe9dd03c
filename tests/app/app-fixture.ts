// A real app for tests: the service over a temp data dir, the gate with every
// handler, and the same Api the renderer gets, built over the gate directly
// (a third transport beside Electron IPC and HTTP, from the same contract keys).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createAppService, type AppService } from '../../src/main/app/app-service';
import { createMemorySecretStore, type SecretStore } from '../../src/main/engine/secrets/secret-store';
import { createGate, type Gate } from '../../src/main/ipc/gate';
import { createHandlers } from '../../src/main/ipc/handlers';
import { buildBridge, unwrapBridge, type Api, type Bridge } from '../../src/shared/bridge';

export interface TestApp {
  dir: string;
  service: AppService;
  gate: Gate;
  bridge: Bridge;
  api: Api;
  /** Calls the gate and returns the value, failing the test on an error envelope. */
  call<T = unknown>(method: string, input: unknown): Promise<T>;
  /** A plain connection, like another program (the sqlite3 shell) writing the file. */
  shell(path: string): BetterSqlite3.Database;
  cleanup(): void;
}

export interface TestAppOptions {
  watchFiles?: boolean;
  /** The device's keychain (default: a fresh memory store). */
  secrets?: SecretStore;
  autoSync?: { enabled: boolean; debounceMs?: number; startupDelayMs?: number };
  env?: NodeJS.ProcessEnv;
}

export function createTestApp(options: TestAppOptions = {}): TestApp {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-app-'));
  const service = createAppService({
    dataDir: join(dir, 'data'),
    host: 'browser',
    version: '0.0.0-test',
    watchFiles: options.watchFiles ?? false,
    secrets: options.secrets ?? createMemorySecretStore(),
    autoSync: options.autoSync,
    env: options.env ?? {},
  });
  const gate = createGate(createHandlers(service));
  const bridge = buildBridge(
    (method, input) => gate.call(method, input),
    (event, listener) =>
      service.onEvent((e) => {
        if (e.name === event) listener(e.payload as never);
      }),
  );
  const shells: BetterSqlite3.Database[] = [];
  return {
    dir,
    service,
    gate,
    bridge,
    api: unwrapBridge(bridge),
    async call<T>(method: string, input: unknown) {
      const result = await gate.call(method, input);
      if (!result.ok) throw new Error(`${method} failed: ${JSON.stringify(result.error)}`);
      return result.value as T;
    },
    shell(path) {
      const connection = new BetterSqlite3(path);
      connection.pragma('busy_timeout = 5000');
      shells.push(connection);
      return connection;
    },
    cleanup() {
      for (const s of shells) if (s.open) s.close();
      service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A database file with a trackable `notes` table, an untrackable `log`, and two rows. */
export function writeNotesFile(app: TestApp, name = 'notes.db'): string {
  const path = join(app.dir, name);
  const raw = app.shell(path);
  raw.exec(`
    CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT, stars INTEGER);
    CREATE TABLE log (id INTEGER PRIMARY KEY, line TEXT);
    INSERT INTO notes VALUES ('a', 'Alpha', 'first', 1), ('b', 'Beta', NULL, 2);
  `);
  raw.close();
  return path;
}
