import { reidentify } from '../../main/engine/sync/reidentify';
import { jsonOption, withDatabase, type Command } from '../command';

export const reidentifyCommand: Command = {
  name: 'reidentify',
  summary: 'Give a copied database file its own replica identity (after an identity-conflict error)',
  usage: 'tidemark reidentify <db> [--json]',
  options: { ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, (db) => {
      const result = reidentify(db);
      if (flags.json) return out.json({ previous: result.previous, replica: result.replica, restamped: result.restamped });
      out.line(`This database is now replica ${result.replica} (it was ${result.previous}).`);
      out.line(`${result.restamped} change(s) made on this copy will be pushed under the new identity. Sync again.`);
    });
  },
};
