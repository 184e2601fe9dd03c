// Device approval from the terminal: compare fingerprints, then decide.

import { readReplica } from '../../main/engine/sync/sync-state';
import { createKeychainSecretStore } from '../../main/engine/secrets/keychain-secret-store';
import { loadOrCreateKeys, fingerprint } from '../../main/engine/trust/keys';
import { decide, replicaFingerprint, type Decision } from '../../main/engine/trust/trust';
import { jsonOption, withDatabase, type Command } from '../command';

export const fingerprintCommand: Command = {
  name: 'fingerprint',
  summary: 'Show this replica\'s key fingerprint, to compare on another device before approving',
  usage: 'tidemark fingerprint <db> [--json]',
  options: { ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, async (db) => {
      const keys = await loadOrCreateKeys(createKeychainSecretStore(), db.uuid);
      const print = fingerprint(keys.public);
      if (flags.json) return out.json({ replica: db.uuid, name: db.name(), fingerprint: print });
      out.line(`${print}  ${db.name()} (${db.uuid})`);
    });
  },
};

function decisionCommand(name: 'trust' | 'reject' | 'revoke', decision: Decision, summary: string): Command {
  return {
    name,
    summary,
    usage: `tidemark ${name} <db> <replica-id> [--json]`,
    options: { ...jsonOption },
    args: { min: 2, max: 2 },
    async run({ args, flags, out }) {
      await withDatabase(args[0]!, async (db) => {
        const replica = resolveReplicaId(db.sqlite, args[1]!);
        const row = await decide(db, createKeychainSecretStore(), replica, decision);
        const print = replicaFingerprint(row);
        if (flags.json) return out.json({ replica, name: row.name, state: row.state, fingerprint: print });
        const verb = { trusted: 'Trusted', rejected: 'Rejected', revoked: 'Revoked' }[decision];
        out.line(`${verb} ${row.name || 'replica'} ${replica}${print ? ` (fingerprint ${print})` : ''}.`);
        out.line(decision === 'trusted' ? 'Its changes are applied from the next sync; the approval is published so your other devices trust it too.' : 'Its changes will not be applied from now on; the decision is published at the next sync.');
      });
    },
  };
}

/** Accepts a full id or an unambiguous prefix (people type the first characters). */
function resolveReplicaId(sqlite: import('better-sqlite3').Database, text: string): string {
  if (readReplica(sqlite, text)) return text;
  const matches = sqlite.prepare('SELECT replica FROM ZV_REPLICA WHERE replica LIKE ?').pluck().all(`${text.replace(/[%_]/g, '')}%`) as string[];
  return matches.length === 1 ? matches[0]! : text;
}

export const trustCommand = decisionCommand('trust', 'trusted', 'Approve a replica after comparing its fingerprint on both devices');
export const rejectCommand = decisionCommand('reject', 'rejected', 'Refuse a pending replica: its changes are never applied');
export const revokeCommand = decisionCommand('revoke', 'revoked', 'Stop trusting a replica (changes it made before stay)');
