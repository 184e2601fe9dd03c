// history.*: transactions, their changes, entity timelines, and revert.

import { TidemarkError } from '../../shared/errors';
import type { AppService } from '../app/app-service';
import { entityTimeline } from '../app/entity-timeline';
import { listAuthors, queryTransactions, summarize } from '../app/history-query';
import { createLabeler } from '../app/row-labels';
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
      const label = createLabeler(db);
      const rows = new Map(page.entries.map((e) => [`${e.entityType}\0${e.entityId}`, e]));
      const labels = [...rows.values()].flatMap((e) => {
        const text = label(e.entityType, e.entityId);
        return text ? [{ table: e.entityType, entityId: e.entityId, label: text }] : [];
      });
      return { summary: summarize(db.sqlite, transactionId, author, label), changes: page.entries, labels, next: page.next };
    },
    'history.entity': ({ databaseId, table, entityId, before, limit }) =>
      entityTimeline(service.database(databaseId), table, entityId, before, limit),
    'history.authors': ({ databaseId }) => listAuthors(service.database(databaseId)),
    'history.planRevert': ({ databaseId, transactionId }) => planRevert(service.database(databaseId), transactionId),
    'history.revert': ({ databaseId, transactionId, overwriteChangedSince }) =>
      applyRevert(service.database(databaseId), transactionId, overwriteChangedSince),
  }) satisfies Partial<Handlers>;
