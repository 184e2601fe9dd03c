// SecretStore on the OS keychain through keytar: macOS Keychain, Windows
// Credential Vault, the Secret Service (GNOME Keyring, KWallet) on Linux.

import { createRequire } from 'node:module';
import { TidemarkError } from '../../../shared/errors';
import type { SecretStore } from './secret-store';

export const KEYCHAIN_SERVICE = 'Tidemark';

type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

function loadKeytar(): Keytar {
  try {
    // keytar is a native module: loaded when first needed so that commands
    // that touch no secret work even where it cannot load.
    return createRequire(import.meta.url)('keytar') as Keytar;
  } catch (error) {
    throw new TidemarkError({
      kind: 'keychain',
      message: `the keychain module could not load (${(error as Error).message})`,
      hint: 'Reinstall Tidemark; on Linux install libsecret (e.g. apt install libsecret-1-0).',
    });
  }
}

export function createKeychainSecretStore(service = process.env.TIDEMARK_KEYCHAIN_SERVICE || KEYCHAIN_SERVICE): SecretStore {
  let keytar: Keytar | null = null;
  const call = async <T>(work: (k: Keytar) => Promise<T>): Promise<T> => {
    keytar ??= loadKeytar();
    try {
      return await work(keytar);
    } catch (error) {
      throw new TidemarkError({
        kind: 'keychain',
        message: (error as Error).message,
        hint: 'Unlock your keychain (on Linux: a Secret Service such as GNOME Keyring must be running) and try again.',
      });
    }
  };
  return {
    get: (account) => call((k) => k.getPassword(service, account)),
    set: (account, secret) => call((k) => k.setPassword(service, account, secret)),
    delete: (account) => call((k) => k.deletePassword(service, account)),
  };
}
