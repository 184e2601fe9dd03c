// Encrypted datasets on the pulling side: opening sealed batches with the
// data key of their epoch, and taking the data keys trusted replicas wrapped
// for this device (DESIGN.md 4.3, docs/decisions.md "Encryption").

import { TidemarkError } from '../../../shared/errors';
import type { TidemarkDatabase } from '../database';
import type { SecretStore } from '../secrets/secret-store';
import type { ReplicaKeys } from '../trust/keys';
import { readTrustedKeys } from '../trust/trust';
import { heldEpochs, isSealed, openFile, readDataKey, sealedEpoch, storeDataKey, unwrapDataKey } from '../crypto/data-keys';
import type { Head } from './head';

export interface SealedContext {
  db: TidemarkDatabase;
  datasetUuid: string;
  secrets: SecretStore;
  keys: ReplicaKeys;
  encrypted: boolean;
}

/** A trusted replica's batch is sealed with a data key this device does not hold yet. */
export class MissingDataKey extends Error {}

export async function openIfSealed(ctx: SealedContext, body: Uint8Array, file: string): Promise<Uint8Array> {
  if (!ctx.encrypted) return body;
  if (!isSealed(body)) {
    throw new TidemarkError({ kind: 'corrupt-file', file, reason: 'an unencrypted file in an encrypted dataset', hint: 'That replica must push again.' });
  }
  const key = await readDataKey(ctx.secrets, ctx.datasetUuid, sealedEpoch(body));
  if (!key) throw new MissingDataKey(file);
  return openFile(body, key, file);
}

/** Takes the data keys a trusted replica wrapped for us. */
export async function receiveDataKeys(ctx: SealedContext, replica: string, head: Head): Promise<void> {
  const ours = (head.keys ?? []).filter((k) => k.replica === ctx.db.uuid);
  if (ours.length === 0) return;
  const held = new Set(await heldEpochs(ctx.secrets, ctx.datasetUuid));
  const wrapper = await readTrustedKeys(ctx.secrets, ctx.db, replica);
  if (!wrapper) return;
  for (const wrapped of ours) {
    if (held.has(wrapped.epoch)) continue;
    const key = unwrapDataKey(wrapped, ctx.db.uuid, wrapper.agreement, ctx.keys.agreementPrivate);
    if (key) await storeDataKey(ctx.secrets, ctx.datasetUuid, wrapped.epoch, key);
  }
}
