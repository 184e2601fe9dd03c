import { existsSync } from 'node:fs';
import { openDatabase } from '../../main/engine/database';
import { TidemarkError } from '../../shared/errors';
import { jsonOption, type Command } from '../command';

export const initCommand: Command = {
  name: 'init',
  summary: 'Create a database, or adopt an existing SQLite file, for syncing',
  usage: 'tidemark init <db> [--name <device name>] [--json]',
  options: { name: { type: 'string' }, ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    const path = args[0]!;
    const existed = existsSync(path);
    const name = typeof flags.name === 'string' ? flags.name.trim() : undefined;
    if (name !== undefined && (name.length === 0 || name.length > 100)) {
      throw new TidemarkError({ kind: 'invalid-input', field: '--name', message: 'a device name has 1 to 100 characters', hint: 'Example: --name "Work laptop"' });
    }
    const db = openDatabase(path, { create: true, name });
    try {
      const tables = db.tables();
      if (flags.json) {
        out.json({ database_uuid: db.uuid, name: db.name(), path: db.path, created: !existed, tables: tables.map((t) => t.name) });
        return;
      }
      out.line(db.uuid);
      const untracked = tables.filter((t) => !t.tracked).map((t) => t.name);
      out.progress(
        `${existed ? 'Adopted' : 'Created'} ${db.path} as "${db.name()}".` +
          (untracked.length ? ` Track tables with: tidemark track ${path} ${untracked.join(' ')}` : ''),
      );
    } finally {
      db.close();
    }
  },
};
