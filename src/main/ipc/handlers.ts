// Every handler of the contract, built over one app service. `satisfies
// Handlers` makes a contract method without a handler a type error.

import type { AppService } from '../app/app-service';
import { appHandlers, databaseHandlers } from './app';
import { rowHandlers, tableHandlers } from './data';
import type { Handlers } from './gate';
import { historyHandlers } from './history';
import { conflictHandlers, replicaHandlers } from './replicas';
import { remoteHandlers, syncHandlers } from './sync';

export function createHandlers(service: AppService): Handlers {
  return {
    ...appHandlers(service),
    ...databaseHandlers(service),
    ...tableHandlers(service),
    ...rowHandlers(service),
    ...historyHandlers(service),
    ...remoteHandlers(service),
    ...syncHandlers(service),
    ...replicaHandlers(service),
    ...conflictHandlers(service),
  } satisfies Handlers;
}
