import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createAppService } from '../../main/app/app-service';
import { userDataDir } from '../../main/app/paths';
import { createGate } from '../../main/ipc/gate';
import { createHandlers } from '../../main/ipc/handlers';
import { createKeychainSecretStore } from '../../main/engine/secrets/keychain-secret-store';
import { startHttpServer } from '../../main/server/http-server';
import { ensureRendererBuilt, packageVersion, projectRoot } from '../../main/server/renderer-build';
import { positiveInteger, type Command } from '../command';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Open the app in a browser: serves the UI on 127.0.0.1 with a private access token',
  usage: 'tidemark serve [--port N] [--data-dir DIR] [--open <db>] [--keychain-service NAME]',
  options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, open: { type: 'string' }, 'keychain-service': { type: 'string' } },
  args: { min: 0, max: 0 },
  async run({ flags, out, interrupted }) {
    const port = flags.port === undefined ? 0 : positiveInteger(flags.port, 'port', 65_535);
    const explicitDir = typeof flags['data-dir'] === 'string';
    const dataDir = explicitDir ? resolve(flags['data-dir'] as string) : userDataDir();
    const root = projectRoot();
    const rendererDir = ensureRendererBuilt(root, (text) => out.progress(text));

    const service = createAppService({
      dataDir,
      host: 'browser',
      version: packageVersion(root),
      onError: (error) => process.stderr.write(`tidemark serve: ${(error as Error)?.stack ?? String(error)}\n`),
      // The OS keychain, as in the desktop app. --keychain-service (or TIDEMARK_KEYCHAIN_SERVICE)
      // keeps a test's keys apart from the person's own.
      secrets: createKeychainSecretStore(typeof flags['keychain-service'] === 'string' ? flags['keychain-service'] : undefined),
      autoSync: { enabled: true },
    });
    try {
      // Like the desktop app on the person's own data folder: a first run gets the sample.
      if (!explicitDir) service.ensureWelcome();
      let fragment = '';
      if (typeof flags.open === 'string') {
        const path = resolve(flags.open);
        const opened = existsSync(path) ? service.openDatabase(path) : service.createDatabase(path);
        fragment = `#db=${opened.id}`;
      }
      const gate = createGate(createHandlers(service), {
        onInternalError: (method, error) => process.stderr.write(`tidemark serve: ${method}: ${(error as Error)?.stack ?? String(error)}\n`),
      });
      const server = await startHttpServer({ gate, subscribe: service.onEvent, rendererDir, port });
      out.line(`${server.url}${fragment}`);
      out.progress(`Serving Tidemark for ${dataDir} on 127.0.0.1 only. Press Ctrl-C to stop.`);
      await interrupted;
      await server.close();
    } finally {
      service.close();
    }
  },
};
