// Our own batch files that went bad on the remote, uploaded again. A reader
// reports a file it found damaged or missing (damage-reports.ts); a LIST of
// our batches also shows any others of the wrong size. Each is rebuilt from
// the log exactly as it was first made: the same changes and header give the
// same bytes, which must hash to what our head lists before anything is
// written. A batch that cannot be rebuilt so (older than the head lists, or
// made by a version whose files came out differently) is bridged by a
// snapshot instead, which readers catch up from (pull.ts).

import type { SecretStore } from '../secrets/secret-store';
import type { TidemarkDatabase } from '../database';
import type { Remote } from '../remote/remote';
import { heldEpochs, readDataKey, sealFile } from '../crypto/data-keys';
import { encodeBatch } from './batch-file';
import { sha256Hex } from './hash';
import { descriptorKey, type BatchDescriptor } from './head';
import { readOwnBatchChanges } from './own-changes';

export interface MendContext {
  db: TidemarkDatabase;
  remote: Remote;
  datasetUuid: string;
  secrets: SecretStore;
  encrypted: boolean;
}

export interface MendResult {
  /** Files uploaded again. */
  mended: string[];
  /** Reported files that are whole on the remote: the reader's copy or download was bad. */
  whole: string[];
  /** Damaged files that could not be rebuilt byte for byte: a snapshot must bridge them. */
  unmendable: string[];
}

/**
 * Checks our batch files on the remote against the head's list (`batches`)
 * and uploads again those of the wrong size, and those reported unless they
 * download whole.
 */
export async function mendOwnBatches(ctx: MendContext, batches: readonly BatchDescriptor[], reported: readonly string[]): Promise<MendResult> {
  const { db, remote } = ctx;
  const result: MendResult = { mended: [], whole: [], unmendable: [] };
  const folder = `batches/${db.uuid}/`;
  const listed = new Map((await remote.list(folder)).map((object) => [object.key, object]));
  const ours = new Set<string>();
  for (const [index, descriptor] of batches.entries()) {
    const key = descriptorKey(db.uuid, descriptor.file);
    ours.add(key);
    const object = listed.get(key);
    // Unreported, a file of the right size is taken as whole (checking every byte would cost
    // a download), and a missing one as cleaned up by gc (a covering snapshot serves it).
    if (!reported.includes(key) && (!object || object.size === descriptor.bytes)) continue;
    // A reported file of the right size may be whole: one download tells, where an upload would not.
    if (object && object.size === descriptor.bytes && (await isIntact(remote, key, descriptor))) {
      result.whole.push(key);
      continue;
    }
    const bytes = await rebuild(ctx, batches, index);
    if (bytes === null) {
      result.unmendable.push(key);
      continue;
    }
    // Replaced only as it was listed. Changed since (a sync tool putting a copy back), it is
    // left as it is now: a reader that still finds it damaged reports it again.
    const put = object ? await remote.putIfMatch(key, bytes, object.etag) : await remote.putIfAbsent(key, bytes);
    if (put.status === 'ok') result.mended.push(key);
  }
  // Reported files older than the head's list cannot be checked against it, nor can
  // a chain of files that does not add up (the folder reported): a snapshot bridges them.
  for (const key of reported) if (!ours.has(key) && (listed.has(key) || (key === folder && result.mended.length === 0))) result.unmendable.push(key);
  return result;
}

/** Whether the file on the remote is, byte for byte, the one the head lists. */
async function isIntact(remote: Remote, key: string, descriptor: BatchDescriptor): Promise<boolean> {
  const current = await remote.get(key);
  return current.status === 'ok' && sha256Hex(current.body) === descriptor.sha256;
}

/** The bytes of `batches[index]` as first pushed, or null when the log cannot give them back exactly. */
async function rebuild(ctx: MendContext, batches: readonly BatchDescriptor[], index: number): Promise<Uint8Array | null> {
  const descriptor = batches[index]!;
  const changes = readOwnBatchChanges(ctx.db, descriptor.first, descriptor.last, descriptor.count + 1);
  if (changes.length !== descriptor.count || changes[0]?.id !== descriptor.first || changes[changes.length - 1]?.id !== descriptor.last) return null;
  // The previous file's hash is in the header; before the list's first, only a first batch (none) can be rebuilt.
  const previous = index > 0 ? batches[index - 1]!.sha256 : '';
  // The header's keys in push's order: they are rows of the file, so the order is in its bytes.
  const plain = encodeBatch(changes, { dataset_uuid: ctx.datasetUuid, author: ctx.db.uuid, prev_sha256: previous });
  if (!ctx.encrypted) return plain.sha256 === descriptor.sha256 ? plain.bytes : null;
  // Sealed under whichever epoch was current then: the nonce comes from the content, so the bytes come out the same.
  for (const epoch of await heldEpochs(ctx.secrets, ctx.datasetUuid)) {
    const key = await readDataKey(ctx.secrets, ctx.datasetUuid, epoch);
    if (!key) continue;
    const sealed = sealFile(plain.bytes, epoch, key);
    if (sha256Hex(sealed) === descriptor.sha256) return sealed;
  }
  return null;
}
