// The new device of scenario 3, alone in its process so its peak RSS is the
// sync's: opens the database the parent prepared and syncs once. Its pull
// ends when the device has joined: the last batch applied and the log's
// indexes built (the sync's last pull or index progress). What follows is
// its push (its head, and an automatic snapshot once it holds 100,000 changes),
// and the join's last checkpoint, which the file worker runs meanwhile.
//   node --import tsx pull-device.ts <db file> <secrets file> <S3 options JSON>

import { createS3Remote, type S3RemoteOptions } from '../../src/main/engine/remote';
import { syncDatabase, type SyncProgress } from '../../src/main/engine/sync/sync';
import { reopenDevice } from '../replicas';
import { now, seconds, timeAsync } from '../support';
import type { DeviceSyncResult } from './pull';
import { countByOperation } from './push';

const [file, secretsFile, optionsJson] = process.argv.slice(2);
if (!file || !secretsFile || !optionsJson) throw new Error('usage: pull-device.ts <db> <secrets> <options>');

const device = reopenDevice(file, secretsFile);
const s3 = createS3Remote(JSON.parse(optionsJson) as S3RemoteOptions);
const counted = countByOperation(s3);
const started = now();
let pullSeconds = 0;
let pullRequests = 0;
let pullRssBytes = 0;
let lastBatchSeconds = 0;
const downloaded: string[] = [];
const remote = {
  ...counted.remote,
  get: (key: string, options?: { ifNoneMatch?: string }) => (downloaded.push(key), counted.remote.get(key, options)),
  getToFile: (key: string, path: string) => (downloaded.push(key), counted.remote.getToFile!(key, path)),
};
const onProgress = (progress: SyncProgress) => {
  if (progress.phase === 'push') return;
  pullSeconds = seconds(started);
  if (progress.phase === 'pull') lastBatchSeconds = pullSeconds;
  pullRequests = counted.counts.total;
  pullRssBytes = process.resourceUsage().maxRSS * 1024;
};
const startRssBytes = process.resourceUsage().maxRSS * 1024;
const { value: report, seconds: syncSeconds } = await timeAsync(() => syncDatabase(device.db, remote, { secrets: device.secrets, onProgress }));
await device.db.settled();
const settledSeconds = seconds(started);
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
s3.close();
device.db.close();
if (report.problems.length > 0) throw new Error(`sync problems: ${JSON.stringify(report.problems)}`);
const result: DeviceSyncResult = {
  seconds: pullSeconds,
  lastBatchSeconds,
  settledSeconds,
  syncSeconds,
  requests: pullRequests,
  syncRequests: report.requests,
  uploads: counted.counts.put,
  bytesDown: report.bytesDown,
  bytesUp: report.bytesUp,
  pulled: report.pulled,
  downloaded,
  maxRssBytes,
  pullRssBytes,
  startRssBytes,
};
process.send?.(result);
