// Scenario 3: a new device. Three replicas each push a third of 1,000,000
// changes to the S3 test server; a new device that trusts them pulls all of it
// in one sync, measured in a process of its own (seconds, requests, bytes
// down, peak RSS). Baseline: downloading the same batch files and nothing else.

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDevice, syncDevice, trustAll, writeNotes } from '../replicas';
import { createBenchBucket } from '../s3';
import { figure, mb, NOTE_COLUMNS, scaled, timeAsync, type Figure } from '../support';

const CHANGES = 1_000_000;
const REPLICAS = 3;

export interface DeviceSyncResult {
  /** The pull: until the device has joined (its last batch applied, its log's indexes built). */
  seconds: number;
  /** Until its last batch was applied (what rounds 1-4 reported as the pull). */
  lastBatchSeconds: number;
  /** Until the work the sync left in the background (the join's last checkpoint, on the file worker) ended. */
  settledSeconds: number;
  requests: number;
  /** The whole first sync, with what it uploads. */
  syncSeconds: number;
  syncRequests: number;
  uploads: number;
  bytesDown: number;
  bytesUp: number;
  pulled: number;
  /** Keys it read (batches, snapshots, heads). */
  downloaded: string[];
  /** Peak RSS of the whole first sync, and as its pull ended. */
  maxRssBytes: number;
  pullRssBytes: number;
  startRssBytes: number;
}

export async function run(workDir: string): Promise<Figure[]> {
  const bucket = await createBenchBucket();
  const rowsEach = Math.ceil(scaled(CHANGES) / NOTE_COLUMNS.length / REPLICAS);
  const sources: string[] = [];
  let total = 0;
  for (let i = 0; i < REPLICAS; i++) {
    const device = createDevice(workDir, `pull-source-${i}`);
    total += writeNotes(device, rowsEach, 100 + i);
    await syncDevice(device, bucket.connect());
    sources.push(device.db.uuid);
    device.db.close();
  }
  const fresh = createDevice(workDir, 'pull-new-device');
  await syncDevice(fresh, bucket.connect());
  await trustAll(fresh, sources);
  fresh.db.close();

  const result = await measureInChild(fresh.file, fresh.secretsFile, bucket.options);
  // Scenario 2 applies these replicas' batch files again.
  writeFileSync(join(workDir, 'pull-bucket.json'), JSON.stringify(bucket.options));

  // Baseline: the files that sync downloaded (batches, and a snapshot if it used one), downloaded and dropped.
  const raw = bucket.connect();
  const download = await timeAsync(async () => {
    const listed = [...(await raw.list('batches/')), ...(await raw.list('snapshots/'))];
    const used = listed.filter((object) => result.downloaded.includes(object.key));
    let bytes = 0;
    for (const object of used) {
      const got = await raw.get(object.key);
      if (got.status === 'ok') bytes += got.body.length;
    }
    return { bytes, requests: 1 + used.length };
  });
  bucket.close();
  if (result.pulled !== total) throw new Error(`pulled ${result.pulled} of ${total} changes`);
  const label = `${total.toLocaleString('en-US')} changes from ${REPLICAS} replicas`;
  const snapshots = result.downloaded.filter((key) => key.startsWith('snapshots/')).length;
  const files = `${download.value.requests - 1} files${snapshots ? ` (${snapshots} of them a snapshot)` : ''}`;
  return [
    figure({
      scenario: 'new device',
      figure: `full pull of ${label} (s)`,
      unit: 's',
      value: result.seconds,
      baseline: download.seconds,
      baselineLabel: `download of the same ${files} only`,
      higherIsBetter: false,
      target: { kind: 'below', value: 10 },
      note: `its last batch applied at ${result.lastBatchSeconds.toFixed(1)} s; then the log's indexes; the WAL copied into the database file by ${result.settledSeconds.toFixed(1)} s, on the file worker after the sync`,
    }),
    figure({
      scenario: 'new device',
      figure: 'full pull: requests',
      unit: 'requests',
      value: result.requests,
      baseline: download.value.requests,
      baselineLabel: 'one LIST + one GET per file it needs',
      higherIsBetter: false,
      target: { kind: 'at-most', value: download.value.requests },
    }),
    figure({
      scenario: 'new device',
      figure: 'its whole first sync, push included (s)',
      unit: 's',
      value: result.syncSeconds,
      baseline: result.seconds,
      baselineLabel: 'the pull alone',
      higherIsBetter: false,
      target: { kind: 'none' },
      note: `${result.syncRequests} requests; then it uploads ${result.uploads} files, ${mb(result.bytesUp).toFixed(1)} MB (its head${result.uploads > 1 ? ', and an automatic snapshot of everything it now holds' : ''})`,
    }),
    figure({
      scenario: 'new device',
      figure: 'full pull: MB down',
      unit: 'MB',
      value: mb(result.bytesDown),
      baseline: mb(download.value.bytes),
      baselineLabel: 'the batch files',
      higherIsBetter: false,
      target: { kind: 'none' },
      note: `${(result.bytesDown / total).toFixed(1)} B/change`,
    }),
    figure({
      scenario: 'new device',
      figure: 'full pull: peak RSS (MB)',
      unit: 'MB',
      value: mb(result.pullRssBytes),
      baseline: mb(result.startRssBytes),
      baselineLabel: 'peak RSS of the same process before the sync',
      higherIsBetter: false,
      target: { kind: 'below', value: 300 },
      note: `${mb(result.maxRssBytes).toFixed(0)} MB over the whole first sync, push included`,
    }),
  ];
}

function measureInChild(file: string, secretsFile: string, options: unknown): Promise<DeviceSyncResult> {
  const script = fileURLToPath(new URL('./pull-device.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [file, secretsFile, JSON.stringify(options)], { execArgv: ['--import', 'tsx', ...profileArgs('pull-device')] });
    let result: DeviceSyncResult | undefined;
    child.on('message', (message) => {
      result = message as DeviceSyncResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`pull-device exited with ${code}`))));
  });
}

function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}
