// tables.* and rows.*: tracking, browsing and editing rows.

import type { AppService } from '../app/app-service';
import { createTable, summaryOf } from '../app/create-table';
import { deleteRows, listTables, pageRows, putRow } from '../app/table-data';
import type { Handlers } from './gate';

export const tableHandlers = (service: AppService) =>
  ({
    'tables.list': ({ databaseId }) => listTables(service.database(databaseId)),
    'tables.create': ({ databaseId, name, key, columns, track }) => {
      createTable(service.database(databaseId), { name, key, columns });
      if (track) service.track(databaseId, [name]);
      return summaryOf(service.database(databaseId), name);
    },
    'tables.track': ({ databaseId, tables }) => service.track(databaseId, tables),
    'tables.untrack': ({ databaseId, table }) => (service.untrack(databaseId, table), { untracked: true }),
  }) satisfies Partial<Handlers>;

export const rowHandlers = (service: AppService) =>
  ({
    'rows.page': ({ databaseId, table, after, limit }) => pageRows(service.database(databaseId), table, after, limit),
    'rows.put': ({ databaseId, table, id, values }) => putRow(service.database(databaseId), table, id, values),
    'rows.delete': ({ databaseId, table, ids }) => deleteRows(service.database(databaseId), table, ids),
  }) satisfies Partial<Handlers>;
