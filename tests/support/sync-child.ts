// One sync of one database against a folder remote, in a process of its own, so
// a test can kill it with SIGKILL at an exact step: a crash, a power cut, the
// app force-quit. Run as
//   node --import tsx tests/support/sync-child.ts '<ChildConfig as JSON>'
// Every remote call is announced on stdout ("CALL <n> <operation> <key>") with a
// synchronous write, so the parent sees it even when the next instruction is
// the kill. With `kill`, the process sends itself SIGKILL right before or right
// after its `at`-th remote call. A finished sync prints "REPORT <json>"; a failed
// one "ERROR <json>" and exits 1.

import { writeSync } from 'node:fs';
import { openDatabase } from '../../src/main/engine/database';
import { createFolderRemote } from '../../src/main/engine/remote/folder-remote';
import { syncDatabase } from '../../src/main/engine/sync/sync';
import { TidemarkError } from '../../src/shared/errors';
import { createFaultRemote } from './fault-remote';
import { createFileSecretStore } from './fault-secrets';

export interface ChildConfig {
  db: string;
  /** The folder remote's root. */
  remote: string;
  /** The device's keychain file (see fault-secrets.ts). */
  secrets: string;
  maxBatchChanges?: number;
  kill?: { at: number; when: 'before' | 'after' };
}

const say = (line: string) => writeSync(1, `${line}\n`);
const die = () => process.kill(process.pid, 'SIGKILL');

async function main(config: ChildConfig): Promise<void> {
  const db = openDatabase(config.db);
  const remote = createFaultRemote(createFolderRemote(config.remote), [
    {
      match: () => true,
      fault: {
        kind: 'hook',
        before: (call) => {
          say(`CALL ${call.n} ${call.operation} ${call.key}`);
          if (config.kill?.at === call.n && config.kill.when === 'before') die();
        },
        after: (call) => {
          if (config.kill?.at === call.n && config.kill.when === 'after') die();
        },
      },
    },
  ]);
  try {
    const report = await syncDatabase(db, remote, {
      secrets: createFileSecretStore(config.secrets),
      maxBatchChanges: config.maxBatchChanges,
    });
    say(`REPORT ${JSON.stringify(report)}`);
  } finally {
    db.close();
  }
}

main(JSON.parse(process.argv[2] ?? '{}') as ChildConfig).catch((error: unknown) => {
  const detail = error instanceof TidemarkError ? error.detail : { kind: 'uncaught', message: String((error as Error)?.stack ?? error) };
  say(`ERROR ${JSON.stringify(detail)}`);
  process.exitCode = 1;
});
