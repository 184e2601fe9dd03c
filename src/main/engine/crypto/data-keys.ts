// End-to-end encryption of a dataset. Batch files are sealed with a random
// 256-bit data key (AES-256-GCM); each data key has an epoch (a clock id) so a
// revocation can start a new one. Data keys reach a replica only wrapped for
// its X25519 key (ECDH + HKDF-SHA256 + AES-256-GCM) in a trusted head, and
// live in the keychain, never in the database or on the remote.

import { createCipheriv, createDecipheriv, createHmac, diffieHellman, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { TidemarkError } from '../../../shared/errors';
import type { SecretStore } from '../secrets/secret-store';
import { agreementPublicKey } from '../trust/keys';

const MAGIC = Buffer.from('TMENC1');
const EPOCH_LENGTH = 36;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

export interface WrappedKey {
  epoch: string;
  /** The replica that can unwrap it. */
  replica: string;
  /** base64: nonce | ciphertext | tag. */
  wrapped: string;
}

export function dataKeyAccount(datasetUuid: string, epoch: string): string {
  return `data-key/${datasetUuid}/${epoch}`;
}

function epochsAccount(datasetUuid: string): string {
  return `data-key-epochs/${datasetUuid}`;
}

/** Epochs whose keys this device holds, oldest first. */
export async function heldEpochs(secrets: SecretStore, datasetUuid: string): Promise<string[]> {
  const text = await secrets.get(epochsAccount(datasetUuid));
  return text ? (JSON.parse(text) as string[]) : [];
}

export async function storeDataKey(secrets: SecretStore, datasetUuid: string, epoch: string, key: Buffer): Promise<void> {
  await secrets.set(dataKeyAccount(datasetUuid, epoch), key.toString('base64'));
  const epochs = await heldEpochs(secrets, datasetUuid);
  if (!epochs.includes(epoch)) await secrets.set(epochsAccount(datasetUuid), JSON.stringify([...epochs, epoch].sort()));
}

export async function readDataKey(secrets: SecretStore, datasetUuid: string, epoch: string): Promise<Buffer | null> {
  const text = await secrets.get(dataKeyAccount(datasetUuid, epoch));
  return text ? Buffer.from(text, 'base64') : null;
}

/** Starts a new epoch: the first key of a dataset, or a rotation after a revocation. */
export async function createDataKey(secrets: SecretStore, datasetUuid: string, epoch: string): Promise<void> {
  await storeDataKey(secrets, datasetUuid, epoch, randomBytes(32));
}

function wrappingKey(ourPrivate: KeyObject, theirPublic: string, epoch: string, recipient: string): Buffer {
  const shared = diffieHellman({ privateKey: ourPrivate, publicKey: agreementPublicKey(theirPublic) });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(epoch), Buffer.from(`tidemark data key v1 for ${recipient}`), 32));
}

export function wrapDataKey(key: Buffer, epoch: string, recipient: string, recipientAgreementKey: string, ourPrivate: KeyObject): WrappedKey {
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey(ourPrivate, recipientAgreementKey, epoch, recipient), nonce);
  const sealed = Buffer.concat([nonce, cipher.update(key), cipher.final(), cipher.getAuthTag()]);
  return { epoch, replica: recipient, wrapped: sealed.toString('base64') };
}

/** Null when it was not wrapped for us by that key (tampered or mistaken): never an exception. */
export function unwrapDataKey(wrapped: WrappedKey, self: string, wrapperAgreementKey: string, ourPrivate: KeyObject): Buffer | null {
  try {
    const sealed = Buffer.from(wrapped.wrapped, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey(ourPrivate, wrapperAgreementKey, wrapped.epoch, self), sealed.subarray(0, NONCE_LENGTH));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    const key = Buffer.concat([decipher.update(sealed.subarray(NONCE_LENGTH, sealed.length - TAG_LENGTH)), decipher.final()]);
    return key.length === 32 ? key : null;
  } catch {
    return null;
  }
}

/**
 * Seals a whole file: MAGIC | epoch | nonce | ciphertext | tag; the epoch is
 * authenticated too. The nonce is derived from the content (as in SIV), so a
 * retried push seals a batch to the very same bytes and create-only finds it.
 */
export function sealFile(plain: Uint8Array, epoch: string, key: Buffer): Buffer {
  const nonce = createHmac('sha256', key).update(epoch).update(plain).digest().subarray(0, NONCE_LENGTH);
  const header = Buffer.concat([MAGIC, Buffer.from(epoch, 'ascii')]);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(header);
  return Buffer.concat([header, nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length > MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).equals(MAGIC);
}

export function sealedEpoch(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(MAGIC.length, MAGIC.length + EPOCH_LENGTH)).toString('ascii');
}

export function openFile(bytes: Uint8Array, key: Buffer, file: string): Buffer {
  const headerLength = MAGIC.length + EPOCH_LENGTH;
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < headerLength + NONCE_LENGTH + TAG_LENGTH) {
    throw new TidemarkError({ kind: 'corrupt-file', file, reason: 'an encrypted file cut short', hint: 'That replica must push again.' });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(headerLength, headerLength + NONCE_LENGTH));
    decipher.setAAD(data.subarray(0, headerLength));
    decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
    return Buffer.concat([decipher.update(data.subarray(headerLength + NONCE_LENGTH, data.length - TAG_LENGTH)), decipher.final()]);
  } catch {
    throw new TidemarkError({ kind: 'corrupt-file', file, reason: 'it does not decrypt (altered, or sealed with another key)', hint: 'That replica must push again.' });
  }
}
