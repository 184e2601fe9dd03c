// app.* and databases.*: the list of databases the app knows.

import type { AppService } from '../app/app-service';
import type { Handlers } from './gate';

export const appHandlers = (service: AppService) =>
  ({
    'app.info': () => service.info(),
  }) satisfies Partial<Handlers>;

export const databaseHandlers = (service: AppService) =>
  ({
    'databases.list': () => service.listDatabases(),
    'databases.inspect': ({ path }) => service.inspect(path),
    'databases.create': ({ path, replicaName }) => service.createDatabase(path, replicaName),
    'databases.open': ({ path }) => service.openDatabase(path),
    'databases.remove': ({ databaseId }) => ({ removed: service.removeDatabase(databaseId) }),
    'databases.setReplicaName': ({ databaseId, name }) => service.setReplicaName(databaseId, name),
  }) satisfies Partial<Handlers>;
