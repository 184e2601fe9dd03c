// `tidemark credentials <db>`: S3 keys go from standard input straight into the
// OS keychain. Typed at a terminal they are not echoed; piped, the key id is
// the first line and the secret the second.

import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createKeychainSecretStore } from '../../main/engine/secrets/keychain-secret-store';
import { requireRemoteSettings, storeCredentials } from '../../main/engine/sync/remote-settings';
import { withDatabase, type Command } from '../command';

export const credentialsCommand: Command = {
  name: 'credentials',
  summary: 'Store the S3 access key id and secret of the database\'s remote in the OS keychain (read from stdin, not echoed)',
  usage: 'tidemark credentials <db>',
  options: {},
  args: { min: 1, max: 1 },
  async run({ args, out }) {
    await withDatabase(args[0]!, async (db) => {
      const settings = requireRemoteSettings(db);
      const [accessKeyId, secretAccessKey] = await readTwoLines(['Access key id: ', 'Secret access key: ']);
      await storeCredentials(createKeychainSecretStore(), settings, { accessKeyId: accessKeyId ?? '', secretAccessKey: secretAccessKey ?? '' });
      out.line(`Stored the keys for ${settings.url} in the OS keychain. (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY still override them.)`);
    });
  },
};

async function readTwoLines(prompts: [string, string]): Promise<string[]> {
  const interactive = process.stdin.isTTY === true;
  let muted = false;
  // At a terminal, nothing typed is echoed: the prompt is written, keystrokes are not.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output: interactive ? output : undefined, terminal: interactive });
  // One iterator for all lines: piped input may deliver both lines at once.
  const lines = rl[Symbol.asyncIterator]();
  const read: string[] = [];
  try {
    for (const prompt of prompts) {
      if (interactive) {
        process.stderr.write(prompt);
        muted = true;
      }
      const next = await lines.next();
      if (interactive) {
        muted = false;
        process.stderr.write('\n');
      }
      if (next.done) break;
      read.push(next.value);
    }
  } finally {
    rl.close();
  }
  return read;
}
