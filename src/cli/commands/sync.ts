import { openRemote, requireRemoteSettings, resolveCredentials } from '../../main/engine/sync/remote-settings';
import { syncDatabase, type SyncProgress } from '../../main/engine/sync/sync';
import { createKeychainSecretStore } from '../../main/engine/secrets/keychain-secret-store';
import { jsonOption, shortId, withDatabase, type Command } from '../command';
import { formatBytes } from '../format';

/** Exit status when the sync worked but some replicas are quarantined. */
export const EXIT_PARTIAL = 3;

export const syncCommand: Command = {
  name: 'sync',
  summary: 'Push this device\'s changes and pull everyone else\'s',
  usage: 'tidemark sync <db> [--json]',
  options: { ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out, env }) {
    return withDatabase(args[0]!, async (db) => {
      const settings = requireRemoteSettings(db);
      const secrets = createKeychainSecretStore();
      const remote = openRemote(settings, await resolveCredentials(settings, env, secrets));
      let lastShown = 0;
      const onProgress = (p: SyncProgress) => {
        const now = Date.now();
        if (p.done < p.total && now - lastShown < 250) return;
        lastShown = now;
        if (p.phase === 'index') {
          if (p.done < p.total) out.progress(`Indexing the ${p.total.toLocaleString('en')} change${p.total === 1 ? '' : 's'} received`);
          return;
        }
        const what = p.phase === 'push' ? 'Pushing' : `Pulling from ${shortId(p.replica ?? '')}`;
        out.progress(`${what}: ${p.done.toLocaleString('en')} of ${p.total.toLocaleString('en')} changes`);
      };
      const report = await syncDatabase(db, remote, { onProgress, secrets, encrypt: settings.encrypt });
      (remote as { close?: () => void }).close?.();
      if (flags.json) {
        out.json({
          pushed: report.pushed,
          pulled: report.pulled,
          requests: report.requests,
          bytes_up: report.bytesUp,
          bytes_down: report.bytesDown,
          replicas: report.replicas,
          problems: report.problems,
          pending: report.pending,
          warnings: report.warnings,
          duration_ms: report.durationMs,
        });
      } else {
        for (const warning of report.warnings) out.line(`Warning: ${warning}`);
        out.line(
          `Pushed ${report.pushed} and pulled ${report.pulled} changes with ${report.replicas} other replica(s) · ` +
            `${report.requests} requests · ${formatBytes(report.bytesUp)} up, ${formatBytes(report.bytesDown)} down · ${report.durationMs} ms`,
        );
        if (report.pending.length) {
          out.line(`${report.pending.length} replica(s) wait for your approval: see \`tidemark replicas ${args[0]}\`.`);
        }
        for (const problem of report.problems) out.line(`Replica ${shortId(problem.replica)} is quarantined: ${problem.message}\n  ${problem.hint}`);
      }
      return report.problems.length > 0 ? EXIT_PARTIAL : 0;
    });
  },
};
