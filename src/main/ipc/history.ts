// history.*: transactions, their changes, entity timelines, and revert.

import { TidemarkError } from '../../shared/errors';
import type { AppService } from '../app/app-service';
import { listAuthors, queryTransactions, summarize } from '../app/history-query';
import { applyRevert, planRevert } from '../app/revert';
import type { Handlers } from './gate';

export const historyHandlers = (service: AppService) =>
  ({
    'history.transactions': ({ databaseId, filter, before, limit }) =>
      queryTransactions(service.database(databaseId), filter, before, limit),
    'history.transaction': ({ databaseId, transactionId, before, limit }) => {
      const db = service.database(databaseId);
      const author = db.log.authorOf(transactionId);
      if (author === undefined) {
        throw new TidemarkError({ kind: 'invalid-input', field: 'transactionId', message: 'no such transaction in this database', hint: 'Reload the history.' });
      }
      const page = db.history({ transactionId, before, limit: limit ?? 1000 });
      return { summary: summarize(db.sqlite, transactionId, author), changes: page.entries, next: page.next };
    },
    'history.entity': ({ databaseId, table, entityId, before, limit }) => {
      const db = service.database(databaseId);
      const page = db.history({ table, entityId, before, limit: limit ?? 500 });
      const current = db.log.latestOfEntity(table, entityId).filter((v) => v.attribute !== '_deleted');
      const exists = db.log.hasEntity(table, entityId) && db.log.latest(table, entityId, '_deleted') !== '1';
      return { table, entityId, exists, current: current.map(({ attribute, value }) => ({ attribute, value })), entries: page.entries, next: page.next };
    },
    'history.authors': ({ databaseId }) => listAuthors(service.database(databaseId)),
    'history.planRevert': ({ databaseId, transactionId }) => planRevert(service.database(databaseId), transactionId),
    'history.revert': ({ databaseId, transactionId, overwriteChangedSince }) =>
      applyRevert(service.database(databaseId), transactionId, overwriteChangedSince),
  }) satisfies Partial<Handlers>;
