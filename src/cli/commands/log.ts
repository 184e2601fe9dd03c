import { displayValue } from '../../main/engine/values';
import type { HistoryEntry } from '../../shared/types';
import { jsonOption, positiveInteger, shortId, withDatabase, type Command } from '../command';
import { usageError } from '../output';

export const logCommand: Command = {
  name: 'log',
  summary: 'Show the change history, newest first, with old → new values',
  usage: 'tidemark log <db> [--table T] [--entity T:ID] [--author UUID] [--limit N] [--json]',
  options: { table: { type: 'string' }, entity: { type: 'string' }, author: { type: 'string' }, limit: { type: 'string' }, ...jsonOption },
  args: { min: 1, max: 1 },
  async run({ args, flags, out }) {
    const limit = flags.limit === undefined ? 50 : positiveInteger(flags.limit, 'limit', 10_000);
    let table = typeof flags.table === 'string' ? flags.table : undefined;
    let entityId: string | undefined;
    if (typeof flags.entity === 'string') {
      const colon = flags.entity.indexOf(':');
      if (colon <= 0 || colon === flags.entity.length - 1) {
        throw usageError(`--entity takes TABLE:ID, not "${flags.entity}"`, 'Example: --entity notes:7f3c2a');
      }
      const entityTable = flags.entity.slice(0, colon);
      if (table !== undefined && table !== entityTable) throw usageError('--table and --entity name different tables', 'Give one of them.');
      table = entityTable;
      entityId = flags.entity.slice(colon + 1);
    }
    const author = typeof flags.author === 'string' ? flags.author : undefined;
    await withDatabase(args[0]!, (db) => {
      const { entries } = db.history({ table, entityId, author, limit });
      if (flags.json) return out.json(entries.map(toJson));
      if (entries.length === 0) return out.line('No changes match.');
      let transaction = '';
      for (const e of entries) {
        if (e.transactionId !== transaction) {
          transaction = e.transactionId;
          out.line(`${new Date(e.time).toISOString().replace('T', ' ').slice(0, 19)}  by ${shortId(e.author)}${e.author === db.uuid ? ' (this device)' : ''}  transaction ${shortId(e.transactionId)}`);
        }
        out.line(`  ${e.entityType}:${e.entityId}  ${e.attribute}  ${displayValue(e.oldValue)} → ${displayValue(e.newValue)}`);
      }
    });
  },
};

function toJson(e: HistoryEntry) {
  return {
    id: e.id,
    transaction_id: e.transactionId,
    author: e.author,
    time: new Date(e.time).toISOString(),
    table: e.entityType,
    entity_id: e.entityId,
    attribute: e.attribute,
    old_value: e.oldValue,
    new_value: e.newValue,
  };
}
