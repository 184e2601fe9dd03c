// Scenario 4: push of 100,000 changes to the S3 test server by a replica that
// has synced before. Counts the push's own requests (the sync around it adds
// its one LIST). Baseline: one PUT of the same number of bytes, and nothing else.

import { randomBytes } from 'node:crypto';
import type { Remote } from '../../src/main/engine/remote';
import { createDevice, syncDevice, writeNotes } from '../replicas';
import { createBenchBucket } from '../s3';
import { figure, NOTE_COLUMNS, scaled, timeAsync, type Figure } from '../support';

const CHANGES = 100_000;

export async function run(workDir: string): Promise<Figure[]> {
  const bucket = await createBenchBucket();
  const device = createDevice(workDir, 'push');
  await syncDevice(device, bucket.connect());
  const made = writeNotes(device, Math.round(scaled(CHANGES) / NOTE_COLUMNS.length), 4);

  const counted = countByOperation(bucket.connect());
  const { value: report, seconds } = await timeAsync(() => syncDevice(device, counted.remote));
  if (report.pushed !== made) throw new Error(`pushed ${report.pushed} of ${made}`);
  device.db.close();

  const raw = bucket.connect();
  const body = randomBytes(report.bytesUp);
  const put = await timeAsync(() => raw.putIfAbsent('bench/raw-put', body));
  bucket.close();

  const pushRequests = counted.counts.total - counted.counts.list;
  return [
    figure({
      scenario: 'push',
      figure: `push of ${made.toLocaleString('en-US')} changes: requests`,
      unit: 'requests',
      value: pushRequests,
      baseline: 2,
      baselineLabel: 'one batch PUT + one head PUT',
      higherIsBetter: false,
      target: { kind: 'at-most', value: 2 },
      note: `the sync around it: ${counted.counts.total} requests (${counted.counts.list} LIST)`,
    }),
    figure({
      scenario: 'push',
      figure: `push of ${made.toLocaleString('en-US')} changes (s, whole sync)`,
      unit: 's',
      value: seconds,
      baseline: put.seconds,
      baselineLabel: `one PUT of the same ${(report.bytesUp / 1e6).toFixed(1)} MB`,
      higherIsBetter: false,
      target: { kind: 'none' },
    }),
  ];
}

export function countByOperation(inner: Remote) {
  const counts = { total: 0, list: 0, get: 0, put: 0, delete: 0 };
  const remote: Remote = {
    url: inner.url,
    list: (prefix, options) =>
      inner.list(prefix, {
        ...options,
        onRequest: () => {
          counts.total += 1;
          counts.list += 1;
          options?.onRequest?.();
        },
      }),
    get: (key, options) => {
      counts.total += 1;
      counts.get += 1;
      return inner.get(key, options);
    },
    ...(inner.getToFile && {
      getToFile: (key: string, path: string) => {
        counts.total += 1;
        counts.get += 1;
        return inner.getToFile!(key, path);
      },
    }),
    putIfAbsent: (key, body) => {
      counts.total += 1;
      counts.put += 1;
      return inner.putIfAbsent(key, body);
    },
    putIfMatch: (key, body, etag) => {
      counts.total += 1;
      counts.put += 1;
      return inner.putIfMatch(key, body, etag);
    },
    delete: (key) => {
      counts.total += 1;
      counts.delete += 1;
      return inner.delete(key);
    },
  };
  return { remote, counts };
}
