// The SecretStore port: where private keys, trusted replicas' public keys and
// S3 credentials live. The OS keychain in the app and CLI; memory in unit tests.
// Secrets never go into the database file, the remote, logs or the renderer.

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when something was deleted. */
  delete(account: string): Promise<boolean>;
}

/** For unit tests: one per simulated device. */
export function createMemorySecretStore(): SecretStore & { accounts(): string[] } {
  const secrets = new Map<string, string>();
  return {
    get: async (account) => secrets.get(account) ?? null,
    set: async (account, secret) => {
      secrets.set(account, secret);
    },
    delete: async (account) => secrets.delete(account),
    accounts: () => [...secrets.keys()],
  };
}
