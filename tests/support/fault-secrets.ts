// A device's keychain that outlives a process: a JSON file written atomically
// (temp file + rename), so a sync child killed with SIGKILL leaves either the
// old or the new secrets, as the OS keychain would. Tests that copy a prepared
// set of devices copy their keychain files along with their databases.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SecretStore } from '../../src/main/engine/secrets/secret-store';

export interface FileSecretStore extends SecretStore {
  readonly path: string;
  accounts(): string[];
}

export function createFileSecretStore(path: string): FileSecretStore {
  const secrets = new Map<string, string>(
    existsSync(path) ? Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : [],
  );
  let writes = 0;
  const save = () => {
    const temp = `${path}.${process.pid}.${writes++}.tmp`;
    writeFileSync(temp, JSON.stringify(Object.fromEntries(secrets)));
    renameSync(temp, path);
  };
  return {
    path,
    get: async (account) => secrets.get(account) ?? null,
    set: async (account, secret) => {
      secrets.set(account, secret);
      save();
    },
    delete: async (account) => {
      const deleted = secrets.delete(account);
      if (deleted) save();
      return deleted;
    },
    accounts: () => [...secrets.keys()],
  };
}

/** Copies every secret of one store into another (a device restored from backup). */
export async function copySecrets(from: { accounts(): string[] } & SecretStore, to: SecretStore): Promise<void> {
  for (const account of from.accounts()) {
    const secret = await from.get(account);
    if (secret !== null) await to.set(account, secret);
  }
}
