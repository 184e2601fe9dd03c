import { createKeychainSecretStore } from '../../main/engine/secrets/keychain-secret-store';
import { DEFAULT_GC_GRACE_MS, planGc, runGc } from '../../main/engine/sync/gc';
import { openRemote, requireRemoteSettings, resolveCredentials } from '../../main/engine/sync/remote-settings';
import { readPushState } from '../../main/engine/sync/sync-state';
import { syncDatabase } from '../../main/engine/sync/sync';
import { jsonOption, positiveInteger, withDatabase, type Command } from '../command';
import { formatBytes } from '../format';

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 'Sync, then publish a snapshot of the whole log so new devices join with one download',
  usage: 'tidemark snapshot <db> [--json]',
  options: { ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out, env }) {
    await withDatabase(args[0]!, async (db) => {
      const settings = requireRemoteSettings(db);
      const secrets = createKeychainSecretStore();
      const remote = openRemote(settings, await resolveCredentials(settings, env, secrets));
      await syncDatabase(db, remote, { secrets, encrypt: settings.encrypt, snapshot: 'force' });
      const snapshot = readPushState(db.sqlite).snapshot;
      if (flags.json) return out.json(snapshot ? { file: snapshot.file, changes: snapshot.count, bytes: snapshot.bytes, sha256: snapshot.sha256 } : null);
      if (!snapshot) return out.line('Nothing to snapshot yet (or this device has not received the dataset key).');
      out.line(`Published ${snapshot.file}: ${snapshot.count.toLocaleString('en')} changes in ${formatBytes(snapshot.bytes)}.`);
    });
  },
};

export const gcCommand: Command = {
  name: 'gc',
  summary: 'Delete this device\'s batch files that a snapshot covers (after a grace period); --dry-run shows what and how much',
  usage: 'tidemark gc <db> [--dry-run] [--grace-hours N] [--json]',
  options: { 'dry-run': { type: 'boolean' }, 'grace-hours': { type: 'string' }, ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out, env }) {
    const graceMs = flags['grace-hours'] === undefined ? DEFAULT_GC_GRACE_MS : positiveInteger(flags['grace-hours'], 'grace-hours', 100_000) * 3_600_000;
    await withDatabase(args[0]!, async (db) => {
      const settings = requireRemoteSettings(db);
      const secrets = createKeychainSecretStore();
      const remote = openRemote(settings, await resolveCredentials(settings, env, secrets));
      const plan = await planGc(db, remote, { graceMs });
      const deleted = flags['dry-run'] ? 0 : await runGc(db, remote, plan);
      if (flags.json) {
        return out.json({ dry_run: flags['dry-run'] === true, files: plan.deletions.map((d) => ({ key: d.key, bytes: d.bytes, reason: d.reason })), bytes: plan.bytes, deleted });
      }
      if (plan.coveredUpTo === null) out.line('No snapshot covers this device\'s changes yet: run `tidemark snapshot` first.');
      for (const d of plan.deletions) out.line(`${flags['dry-run'] ? 'would delete' : 'deleted'} ${d.key} (${formatBytes(d.bytes)}, ${d.reason})`);
      out.line(`${flags['dry-run'] ? 'Would free' : 'Freed'} ${formatBytes(plan.bytes)} in ${plan.deletions.length} file(s).`);
    });
  },
};
