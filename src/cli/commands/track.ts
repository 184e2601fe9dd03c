import { jsonOption, withDatabase, type Command } from '../command';

export const trackCommand: Command = {
  name: 'track',
  summary: 'Start syncing tables (needs a single-column, non-autoincrement primary key)',
  usage: 'tidemark track <db> <table>... [--json]',
  options: { ...jsonOption },
  args: { min: 2, max: Infinity },
  async run({ args, flags, out }) {
    const [path, ...tables] = args as [string, ...string[]];
    await withDatabase(path, (db) => {
      const results = db.track([...new Set(tables)]);
      if (flags.json) return out.json(results.map((r) => ({ table: r.table, changes: r.changes })));
      for (const r of results) out.line(`Tracking ${r.table} (${r.changes} existing values recorded)`);
    });
  },
};
