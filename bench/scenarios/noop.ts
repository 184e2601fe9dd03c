// Scenario 5: a sync with nothing to do, on a remote with 100 other replicas
// (all trusted, all pulled). Target: one request (the LIST of replicas/).
// Memory remote and the S3 test server. Baseline: that LIST alone.

import { createMemoryRemote, type Remote } from '../../src/main/engine/remote';
import { createDevice, syncDevice, trustAll, writeNotes, type Device } from '../replicas';
import { createBenchBucket } from '../s3';
import { figure, now, scaled, type Figure } from '../support';
import { countByOperation } from './push';

const REPLICAS = 100;
const RUNS = 7;

export async function run(workDir: string): Promise<Figure[]> {
  // The replicas sync once to a memory remote; the S3 bucket gets a copy of its files.
  const memory = createMemoryRemote();
  const others: string[] = [];
  for (let i = 0; i < scaled(REPLICAS); i++) {
    const device = createDevice(workDir, `noop-${i}`);
    writeNotes(device, 1, 500 + i);
    await syncDevice(device, memory);
    others.push(device.db.uuid);
    device.db.close();
  }
  const figures = await measure(workDir, 'memory', () => memory, others);
  const bucket = await createBenchBucket();
  try {
    const s3 = bucket.connect();
    for (const object of await memory.list('')) {
      const got = await memory.get(object.key);
      if (got.status === 'ok') await s3.putIfAbsent(object.key, got.body);
    }
    figures.push(...(await measure(workDir, 'S3', () => bucket.connect(), others)));
  } finally {
    bucket.close();
  }
  return figures;
}

async function measure(workDir: string, kind: string, connect: () => Remote, others: string[]): Promise<Figure[]> {
  const replicas = others.length;
  const observer: Device = createDevice(workDir, `noop-${kind}-observer`);
  const remote = connect();
  await syncDevice(observer, remote);
  await trustAll(observer, others);
  await syncDevice(observer, remote); // pulls everyone, publishes its decisions
  await syncDevice(observer, remote);

  const syncs: number[] = [];
  let requests = 0;
  for (let i = 0; i < RUNS; i++) {
    const counted = countByOperation(remote);
    const started = now();
    await syncDevice(observer, counted.remote);
    syncs.push(Number(now() - started) / 1e6);
    requests = Math.max(requests, counted.counts.total);
  }
  const lists: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = now();
    await remote.list('replicas/');
    lists.push(Number(now() - started) / 1e6);
  }
  observer.db.close();
  const label = `no-op sync, ${replicas} replicas, ${kind}`;
  return [
    figure({
      scenario: 'no-op sync',
      figure: `${label}: requests`,
      unit: 'requests',
      value: requests,
      baseline: 1,
      baselineLabel: 'one LIST of replicas/',
      higherIsBetter: false,
      target: { kind: 'at-most', value: 1 },
    }),
    figure({
      scenario: 'no-op sync',
      figure: `${label} (ms, median of ${RUNS})`,
      unit: 'ms',
      value: median(syncs),
      baseline: median(lists),
      baselineLabel: 'that LIST alone',
      higherIsBetter: false,
      target: { kind: 'none' },
    }),
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
