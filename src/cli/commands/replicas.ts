import { listReplicas } from '../../main/engine/sync/replicas';
import { jsonOption, withDatabase, type Command } from '../command';
import { formatTime } from '../format';

export const replicasCommand: Command = {
  name: 'replicas',
  summary: 'List every replica seen: state, last change, changes held, lag',
  usage: 'tidemark replicas <db> [--json]',
  options: { ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, (db) => {
      const replicas = listReplicas(db);
      if (flags.json) {
        return out.json(
          replicas.map((r) => ({
            id: r.replica,
            name: r.name,
            state: r.state,
            self: r.isSelf,
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
        out.line(`${r.isSelf ? '*' : ' '} ${r.replica}  ${r.name || '(unnamed)'}  [${r.state}]`);
        out.line(`    last change ${formatTime(r.lastTime)} · ${r.held} changes held · ${lag}`);
        if (r.problem) out.line(`    quarantined: ${r.problem}`);
        if (r.clockWarning) out.line(`    clock: ${r.clockWarning}`);
      }
    });
  },
};
