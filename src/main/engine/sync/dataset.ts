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
  /** End-to-end encrypted: batch files are sealed with a data key only approved replicas get. */
  encrypted?: boolean;
}

export interface DatasetOptions {
  /** Asked for when this database founds the dataset (`tidemark remote --encrypt`). */
  encrypt: boolean;
  /** Called once when this database founds the dataset on this remote (before the descriptor is written). */
  onFounded(datasetUuid: string, encrypted: boolean): Promise<void>;
}

/** Reads or creates the descriptor and returns the dataset uuid this database belongs to. */
export async function ensureDataset(db: TidemarkDatabase, remote: Remote, now: number, options: DatasetOptions): Promise<string> {
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
      if (options.encrypt && !descriptor.encrypted && readMeta(db.sqlite, META.datasetEncrypted) !== '1') {
        throw new TidemarkError({
          kind: 'invalid-input',
          field: '--encrypt',
          message: `${remote.url} holds a dataset that is not encrypted`,
          hint: 'Encryption is chosen when a dataset is created: use an empty folder or prefix for an encrypted one, or drop --encrypt.',
        });
      }
      db.transaction(() => {
        if (!known) writeMeta(db.sqlite, META.datasetUuid, descriptor.dataset_uuid);
        writeMeta(db.sqlite, META.datasetEncrypted, descriptor.encrypted ? '1' : '0');
      });
      return descriptor.dataset_uuid;
    }
    // A new remote, or one that was wiped: this database (re)founds the dataset.
    const datasetUuid = known ?? db.hlc.next();
    // Re-founding a wiped remote keeps the dataset's choice.
    const encrypted = known ? readMeta(db.sqlite, META.datasetEncrypted) === '1' || options.encrypt : options.encrypt;
    const descriptor: Descriptor = { format: DESCRIPTOR_FORMAT, dataset_uuid: datasetUuid, created: new Date(now).toISOString(), encrypted };
    // The first data key exists before anyone can see the dataset.
    await options.onFounded(datasetUuid, encrypted);
    const put = await remote.putIfAbsent(DESCRIPTOR_KEY, Buffer.from(`${JSON.stringify(descriptor, null, 2)}\n`));
    if (put.status === 'ok') {
      db.transaction(() => {
        if (!known) writeMeta(db.sqlite, META.datasetUuid, datasetUuid);
        writeMeta(db.sqlite, META.datasetEncrypted, encrypted ? '1' : '0');
      });
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
