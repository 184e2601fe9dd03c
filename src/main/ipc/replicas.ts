// replicas.* and conflicts.*: approving devices after comparing fingerprints,
// and settling concurrent edits. Decisions wait for a running sync of the
// database, then start one that applies and publishes them.

import type { ReplicasView } from '../../shared/sync-types';
import type { AppService } from '../app/app-service';
import { conflictsView, resolve } from '../app/replica-views';
import type { TidemarkDatabase } from '../engine/database';
import type { Handlers } from './gate';

async function decision(service: AppService, databaseId: string, work: (db: TidemarkDatabase) => Promise<ReplicasView>): Promise<ReplicasView> {
  const view = await service.sync.exclusive(databaseId, () => work(service.database(databaseId)));
  service.sync.decided(databaseId);
  return view;
}

export const replicaHandlers = (service: AppService) =>
  ({
    'replicas.list': ({ databaseId }) => service.replicas.list(service.database(databaseId)),
    'replicas.approve': ({ databaseId, replica, fingerprint }) =>
      decision(service, databaseId, (db) => service.replicas.approve(db, replica, fingerprint)),
    'replicas.reject': ({ databaseId, replica }) => decision(service, databaseId, (db) => service.replicas.decide(db, replica, 'rejected')),
    'replicas.revoke': ({ databaseId, replica }) => decision(service, databaseId, (db) => service.replicas.decide(db, replica, 'revoked')),
    'replicas.acceptClock': ({ databaseId, replica }) => decision(service, databaseId, (db) => service.replicas.acceptClock(db, replica)),
  }) satisfies Partial<Handlers>;

export const conflictHandlers = (service: AppService) =>
  ({
    'conflicts.list': ({ databaseId, all }) => conflictsView(service.database(databaseId), all ?? false),
    'conflicts.resolve': ({ databaseId, id, keep }) => {
      const written = resolve(service.database(databaseId), id, keep);
      service.sync.badgesChanged();
      return written;
    },
  }) satisfies Partial<Handlers>;
