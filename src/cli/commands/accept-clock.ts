import { acceptClock } from '../../main/engine/sync/replicas';
import { jsonOption, withDatabase, type Command } from '../command';

export const acceptClockCommand: Command = {
  name: 'accept-clock',
  summary: 'Accept a replica\'s changes that are stamped more than 24 hours in the future',
  usage: 'tidemark accept-clock <db> <replica-id> [--json]',
  options: { ...jsonOption },
  args: { min: 2, max: 2 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, (db) => {
      const { until } = acceptClock(db, args[1]!);
      if (flags.json) return out.json({ replica: args[1], accepted_until: until });
      out.line(`Accepted the changes of ${args[1]} up to ${until ?? 'its next head'}: they are applied at the next sync.`);
    });
  },
};
