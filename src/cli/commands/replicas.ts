import { listReplicas } from '../../main/engine/sync/replicas';
import { createKeychainSecretStore } from '../../main/engine/secrets/keychain-secret-store';
import { loadOrCreateKeys } from '../../main/engine/trust/keys';
import { jsonOption, withDatabase, type Command } from '../command';
import { formatTime } from '../format';

export const replicasCommand: Command = {
  name: 'replicas',
  summary: 'List every replica seen: state, last change, changes held, lag',
  usage: 'tidemark replicas <db> [--json]',
  options: { ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, async (db) => {
      const keys = await loadOrCreateKeys(createKeychainSecretStore(), db.uuid);
      const replicas = listReplicas(db, keys.public);
      if (flags.json) {
        return out.json(
          replicas.map((r) => ({
            id: r.replica,
            name: r.name,
            state: r.state,
            self: r.isSelf,
            fingerprint: r.fingerprint,
            last_change_id: r.last,
            last_change_time: r.lastTime === null ? null : new Date(r.lastTime).toISOString(),
            changes_held: r.held,
            published: r.published,
            lag: r.lag,
            problem: r.problem,
            clock_warning: r.clockWarning,
          })),
        );
      }
      for (const r of replicas) {
        const lag = r.isSelf ? (r.lag ? `${r.lag} to push` : 'all pushed') : r.lag ? `${r.lag} behind` : 'up to date';
        out.line(`${r.isSelf ? '*' : ' '} ${r.replica}  ${r.name || '(unnamed)'}  [${r.state}]  ${r.fingerprint ?? 'no keys yet'}`);
        out.line(`    last change ${formatTime(r.lastTime)} · ${r.held} changes held · ${lag}`);
        if (r.problem) out.line(`    quarantined: ${r.problem}`);
        if (r.state === 'pending') out.line(`    waiting for approval: compare the fingerprint with \`tidemark fingerprint\` on that device, then \`tidemark trust <db> ${r.replica}\``);
        if (r.clockWarning) out.line(`    clock: ${r.clockWarning}`);
      }
    });
  },
};
