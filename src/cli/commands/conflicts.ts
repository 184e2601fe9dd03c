import { listConflicts, resolveConflict } from '../../main/engine/conflicts';
import { displayValue } from '../../main/engine/values';
import { TidemarkError } from '../../shared/errors';
import type { ConflictInfo } from '../../shared/types';
import { jsonOption, shortId, withDatabase, type Command } from '../command';
import { formatTime } from '../format';

function toJson(c: ConflictInfo) {
  return {
    id: c.id,
    table: c.table,
    entity_id: c.entityId,
    attribute: c.attribute,
    mine: { value: c.mine.value, author: c.mine.author, time: new Date(c.mine.time).toISOString(), change_id: c.mine.change },
    theirs: { value: c.theirs.value, author: c.theirs.author, time: new Date(c.theirs.time).toISOString(), change_id: c.theirs.change },
    winner: c.winner,
    resolved_by: c.resolvedBy,
  };
}

export const conflictsCommand: Command = {
  name: 'conflicts',
  summary: 'List concurrent edits: both values, both authors and times, and which one won',
  usage: 'tidemark conflicts <db> [--all] [--json]',
  options: { all: { type: 'boolean' }, ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, (db) => {
      db.refresh();
      const conflicts = listConflicts(db.sqlite, { all: flags.all === true });
      if (flags.json) return out.json(conflicts.map(toJson));
      if (conflicts.length === 0) return out.line('No concurrent edits to look at.');
      for (const c of conflicts) {
        out.line(`#${c.id}  ${c.table}:${c.entityId}  ${c.attribute}${c.resolvedBy ? '  (resolved)' : ''}`);
        out.line(`    mine    ${displayValue(c.mine.value)}  by ${shortId(c.mine.author)} at ${formatTime(c.mine.time)}${c.winner === 'mine' ? '  ← kept' : ''}`);
        out.line(`    theirs  ${displayValue(c.theirs.value)}  by ${shortId(c.theirs.author)} at ${formatTime(c.theirs.time)}${c.winner === 'theirs' ? '  ← kept' : ''}`);
      }
      out.line(`Choose with: tidemark resolve ${args[0]} <id> --keep mine|theirs|<json value>`);
    });
  },
};

export const resolveCommand: Command = {
  name: 'resolve',
  summary: 'Settle a concurrent edit: keep mine, theirs, or a JSON value (written as a new change)',
  usage: 'tidemark resolve <db> <id> --keep mine|theirs|<json> [--json]',
  options: { keep: { type: 'string' }, ...jsonOption },
  args: { min: 2, max: 2 },
  async run({ args, flags, out }) {
    const id = Number(args[1]!.replace(/^#/, ''));
    if (!Number.isInteger(id) || id < 1) throw new TidemarkError({ kind: 'invalid-input', field: 'arguments', message: `"${args[1]}" is not a conflict number`, hint: 'Numbers are listed by `tidemark conflicts <db>`.' });
    if (typeof flags.keep !== 'string') throw new TidemarkError({ kind: 'invalid-input', field: 'arguments', message: '--keep is required', hint: 'Example: --keep mine' });
    const keep = flags.keep;
    await withDatabase(args[0]!, (db) => {
      const { transactionId, conflict } = resolveConflict(db, id, keep);
      if (flags.json) return out.json({ id, transaction_id: transactionId, table: conflict.table, entity_id: conflict.entityId, attribute: conflict.attribute });
      out.line(`Resolved #${id}: ${conflict.table}:${conflict.entityId} ${conflict.attribute} ${transactionId ? 'written as a new change; it syncs like any edit' : 'already had that value'}.`);
    });
  },
};
