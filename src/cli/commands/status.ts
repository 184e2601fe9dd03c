import { jsonOption, withDatabase, type Command } from '../command';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the database uuid, tracked tables and change counts',
  usage: 'tidemark status <db> [--json]',
  options: { ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, (db) => {
      const status = db.status();
      const untracked = db.tables().filter((t) => !t.tracked);
      if (flags.json) {
        return out.json({
          path: status.path,
          database_uuid: status.databaseUuid,
          name: status.name,
          tracked_tables: status.tracked.map((t) => ({ table: t.table, primary_key: t.primaryKey, rows: t.rows, changes: t.changes })),
          untracked_tables: untracked.map((t) => ({ table: t.name, reason: t.untrackableReason ?? null })),
          changes: status.changes,
          transactions: status.transactions,
          authors: status.authors,
          waiting: status.waiting,
          conflicts: status.conflicts,
        });
      }
      out.line(`Database  ${status.path}`);
      out.line(`Replica   ${status.databaseUuid} (${status.name})`);
      out.line(`Changes   ${status.changes} in ${status.transactions} transactions by ${status.authors} replica(s)`);
      if (status.waiting > 0) out.line(`Waiting   ${status.waiting} changes for a table or column this database lacks (they are written as soon as it exists and is tracked)`);
      if (status.conflicts > 0) out.line(`Conflicts ${status.conflicts} concurrent edits to look at: tidemark conflicts ${args[0]}`);
      out.line('Tracked tables:');
      if (status.tracked.length === 0) out.line('  none yet: tidemark track <db> <table>');
      for (const t of status.tracked) out.line(`  ${t.table.padEnd(24)} ${String(t.rows).padStart(9)} rows ${String(t.changes).padStart(10)} changes`);
      if (untracked.length) {
        out.line('Not tracked:');
        for (const t of untracked) out.line(`  ${t.name.padEnd(24)} ${t.untrackableReason ? `cannot be tracked: ${t.untrackableReason}` : ''}`.trimEnd());
      }
    });
  },
};
