// remote.*, sync.*, snapshot.* and gc.*: where a database syncs, syncing it,
// and keeping the remote small. Everything that talks to the remote runs
// through the service's per-database queue (one remote operation at a time).

import { basename, extname } from 'node:path';
import type { RemoteView } from '../../shared/sync-types';
import type { AppService } from '../app/app-service';
import { closeRemote, connectRemote, draftSettings, remoteInfo, saveRemote, suggestedFolder, testRemote } from '../app/remote-config';
import { collectGarbage, storageReport } from '../app/storage-report';
import type { TidemarkDatabase } from '../engine/database';
import type { Remote } from '../engine/remote';
import { requireRemoteSettings, storeCredentials } from '../engine/sync/remote-settings';
import type { Handlers } from './gate';

async function remoteView(service: AppService, databaseId: string): Promise<RemoteView> {
  const db = service.database(databaseId);
  const title = basename(db.path, extname(db.path)) || basename(db.path);
  return { remote: await remoteInfo(db, service.remoteContext), suggestedFolder: suggestedFolder(service.remoteContext.remoteRoot, title) };
}

/** Runs work against the database's configured remote, queued behind its other remote work. */
function withRemote<T>(service: AppService, databaseId: string, work: (db: TidemarkDatabase, remote: Remote) => Promise<T>): Promise<T> {
  return service.sync.exclusive(databaseId, async () => {
    const db = service.database(databaseId);
    const remote = await connectRemote(requireRemoteSettings(db), service.remoteContext);
    try {
      return await work(db, remote);
    } finally {
      closeRemote(remote);
    }
  });
}

export const remoteHandlers = (service: AppService) =>
  ({
    'remote.get': ({ databaseId }) => remoteView(service, databaseId),
    'remote.set': async ({ databaseId, remote, encrypt }) => {
      await service.sync.exclusive(databaseId, () => saveRemote(service.database(databaseId), remote, encrypt, service.remoteContext));
      service.sync.planned(databaseId);
      return remoteView(service, databaseId);
    },
    'remote.test': ({ databaseId, draft, credentials }) => {
      const db = service.database(databaseId);
      const settings = draft ? draftSettings(draft, service.remoteContext) : requireRemoteSettings(db);
      return testRemote(db, settings, service.remoteContext, credentials);
    },
    'remote.setCredentials': async ({ databaseId, accessKeyId, secretAccessKey }) => {
      const settings = requireRemoteSettings(service.database(databaseId));
      await storeCredentials(service.remoteContext.secrets, settings, { accessKeyId, secretAccessKey });
      return remoteView(service, databaseId);
    },
  }) satisfies Partial<Handlers>;

export const syncHandlers = (service: AppService) =>
  ({
    'sync.now': ({ databaseId }) => service.sync.sync(databaseId, 'manual'),
    'sync.status': ({ databaseId }) => service.sync.status(databaseId),
    'sync.settings': ({ databaseId, intervalMinutes, onChange }) => service.sync.setSettings(databaseId, { intervalMinutes, onChange }),
    'snapshot.publish': ({ databaseId }) => service.sync.publishSnapshot(databaseId),
    'gc.plan': ({ databaseId, graceHours }) =>
      withRemote(service, databaseId, async (db, remote) => {
        const { plan: _plan, ...report } = await storageReport(db, remote, graceHours);
        return report;
      }),
    'gc.run': ({ databaseId, graceHours }) => withRemote(service, databaseId, (db, remote) => collectGarbage(db, remote, graceHours)),
  }) satisfies Partial<Handlers>;
