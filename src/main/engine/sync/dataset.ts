// The dataset descriptor `tidemark.json` (DESIGN.md section 3): written once,
// create-only. Joining records its dataset uuid; a remote of another dataset
// is refused.

import { TidemarkError } from '../../../shared/errors';
import type { Remote } from '../remote/remote';
import { META, readMeta, writeMeta } from '../schema';
import type { TidemarkDatabase } from '../database';

export const DESCRIPTOR_KEY = 'tidemark.json';
const DESCRIPTOR_FORMAT = 1;

interface Descriptor {
  format: number;
  dataset_uuid: string;
  created: string;
}

/** Reads or creates the descriptor and returns the dataset uuid this database belongs to. */
export async function ensureDataset(db: TidemarkDatabase, remote: Remote, now: number): Promise<string> {
  const known = readMeta(db.sqlite, META.datasetUuid);
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await remote.get(DESCRIPTOR_KEY);
    if (existing.status === 'ok') {
      const descriptor = parseDescriptor(existing.body, remote.url);
      if (known && known !== descriptor.dataset_uuid) {
        throw new TidemarkError({
          kind: 'dataset-mismatch',
          expected: known,
          found: descriptor.dataset_uuid,
          hint: `${remote.url} is used by another set of databases. Choose an empty folder or prefix for this one.`,
        });
      }
      if (!known) writeMeta(db.sqlite, META.datasetUuid, descriptor.dataset_uuid);
      return descriptor.dataset_uuid;
    }
    // A new remote, or one that was wiped: this database (re)founds the dataset.
    const datasetUuid = known ?? db.hlc.next();
    const descriptor: Descriptor = { format: DESCRIPTOR_FORMAT, dataset_uuid: datasetUuid, created: new Date(now).toISOString() };
    const put = await remote.putIfAbsent(DESCRIPTOR_KEY, Buffer.from(`${JSON.stringify(descriptor, null, 2)}\n`));
    if (put.status === 'ok') {
      if (!known) writeMeta(db.sqlite, META.datasetUuid, datasetUuid);
      return datasetUuid;
    }
    // Another device created it at the same moment: read theirs.
  }
  throw new TidemarkError({ kind: 'remote-io', remote: remote.url, message: 'tidemark.json keeps changing', hint: 'Try the sync again.' });
}

function parseDescriptor(body: Uint8Array, url: string): Descriptor {
  let parsed: Partial<Descriptor>;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8')) as Partial<Descriptor>;
  } catch {
    throw new TidemarkError({ kind: 'corrupt-file', file: `${url}/${DESCRIPTOR_KEY}`, reason: 'not JSON', hint: 'Restore tidemark.json from another device or backup.' });
  }
  if (typeof parsed.format === 'number' && parsed.format > DESCRIPTOR_FORMAT) {
    throw new TidemarkError({ kind: 'newer-format', file: DESCRIPTOR_KEY, format: parsed.format, hint: 'Update Tidemark on this device.' });
  }
  if (typeof parsed.dataset_uuid !== 'string' || parsed.dataset_uuid.length === 0) {
    throw new TidemarkError({ kind: 'corrupt-file', file: `${url}/${DESCRIPTOR_KEY}`, reason: 'no dataset_uuid', hint: 'Restore tidemark.json from another device or backup.' });
  }
  return parsed as Descriptor;
}
