// Replica heads (DESIGN.md section 3): `replicas/{replica}.json`, rewritten by
// compare-and-swap on each push. A head read from the remote is hostile input:
// it is parsed strictly and checked against the file name and the dataset.

import { z } from 'zod';
import { TidemarkError } from '../../../shared/errors';
import { isUuid7 } from '../hlc';
import { BATCH_FORMAT } from './batch-file';
import { canonicalJson } from './canonical-json';

/** The newest batches a head lists, so pullers rarely need a LIST of batches/. */
export const HEAD_BATCH_LIMIT = 64;

const uuid = z.string().refine(isUuid7, 'not a UUIDv7');
const sha = z.string().regex(/^[0-9a-f]{64}$/);

const batchDescriptor = z.object({
  file: z.string().min(1).max(300),
  first: uuid,
  last: uuid,
  count: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: sha,
});

const snapshotDescriptor = z.object({
  file: z.string().min(1).max(300),
  last: uuid,
  count: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: sha,
  /** How far the snapshot holds each author's changes. */
  covers: z.record(z.string(), uuid),
});

const endorsement = z.object({
  replica: uuid,
  public_key: z.string().nullable(),
  agreement_key: z.string().nullable(),
  state: z.enum(['trusted', 'rejected', 'revoked']),
  /** Clock id of the decision: the latest decision about a replica wins. */
  at: uuid,
});

const headSchema = z.looseObject({
  format: z.number().int().positive(),
  dataset_uuid: z.string().min(1),
  replica: uuid,
  name: z.string().max(200).default(''),
  public_key: z.string().nullable().optional(),
  agreement_key: z.string().nullable().optional(),
  /** Clock id of this write: a head older than one already seen is a replay. */
  written: uuid.optional(),
  endorsements: z.array(endorsement).max(10_000).optional(),
  /** The replica's newest snapshot of its whole log (DESIGN.md 4.4). */
  snapshot: snapshotDescriptor.nullable().optional(),
  /** How far this replica has applied each other replica's changes. */
  acks: z.record(z.string(), uuid).optional(),
  /** Other replicas' batch files this replica found damaged, for their authors to upload again. */
  damaged: z.array(z.object({ replica: uuid, file: z.string().min(1).max(300), seen: z.string().max(200) })).max(10_000).optional(),
  /** Data keys of an encrypted dataset, each wrapped for one trusted replica. */
  keys: z.array(z.object({ epoch: uuid, replica: uuid, wrapped: z.string().max(200) })).max(100_000).optional(),
  last: uuid.nullable(),
  count: z.number().int().nonnegative(),
  batches: z.array(batchDescriptor).max(HEAD_BATCH_LIMIT * 4),
  chain: z.string(),
  signature: z.string().nullable().optional(),
});

export type BatchDescriptor = z.infer<typeof batchDescriptor>;
export type Endorsement = z.infer<typeof endorsement>;
export type SnapshotDescriptor = z.infer<typeof snapshotDescriptor>;
export type Head = z.infer<typeof headSchema>;

export function headKey(replica: string): string {
  return `replicas/${replica}.json`;
}

/** The replica id a `replicas/` key names, or null for anything else. */
export function replicaOfHeadKey(key: string): string | null {
  const match = /^replicas\/([0-9a-f-]{36})\.json$/.exec(key);
  return match && isUuid7(match[1]!) ? match[1]! : null;
}

export function encodeHead(head: Head): Buffer {
  return Buffer.from(canonicalJson(head), 'utf8');
}

export interface DecodedHead {
  head: Head;
  /** The canonical bytes the signature covers: the head as received, less `signature`. */
  signed: Buffer;
}

/** The bytes a head's signature covers. */
export function signedBytes(head: Record<string, unknown>): Buffer {
  const { signature: _signature, ...rest } = head;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** A head nests four levels deep; anything much deeper is not a head. */
const MAX_HEAD_DEPTH = 32;

/** How deep arrays and objects nest in JSON text (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) deepest = Math.max(deepest, ++depth);
    else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return deepest;
}

export function decodeHead(bytes: Uint8Array, key: string, expected: { replica: string; datasetUuid: string }): DecodedHead {
  const corrupt = (reason: string) =>
    new TidemarkError({ kind: 'corrupt-file', file: key, reason, hint: 'That replica must sync again to rewrite its head.' });
  try {
    return parseHead(bytes, key, expected, corrupt);
  } catch (error) {
    // A head is hostile input: whatever else goes wrong reading it is damage, not a crash of the sync.
    if (error instanceof TidemarkError) throw error;
    throw corrupt(`unreadable (${(error as Error)?.message ?? String(error)})`);
  }
}

function parseHead(
  bytes: Uint8Array,
  key: string,
  expected: { replica: string; datasetUuid: string },
  corrupt: (reason: string) => TidemarkError,
): DecodedHead {
  const text = Buffer.from(bytes).toString('utf8');
  // Checked before parsing: JSON nested 100,000 deep takes long to parse and overflows the stack of whoever walks it.
  if (nestingDepth(text) > MAX_HEAD_DEPTH) throw corrupt(`its JSON nests deeper than ${MAX_HEAD_DEPTH} levels`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  const format = (json as { format?: unknown })?.format;
  if (typeof format === 'number' && format > BATCH_FORMAT) {
    throw new TidemarkError({ kind: 'newer-format', file: key, format, hint: 'Update Tidemark on this device to sync with that replica.' });
  }
  const parsed = headSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(`${issue?.path.join('.') || 'head'}: ${issue?.message ?? 'invalid'}`);
  }
  const head = parsed.data;
  if (head.replica !== expected.replica) throw corrupt(`it names replica ${head.replica}`);
  if (head.dataset_uuid !== expected.datasetUuid) {
    throw new TidemarkError({
      kind: 'dataset-mismatch',
      expected: expected.datasetUuid,
      found: head.dataset_uuid,
      hint: `${key} belongs to another dataset: point this database at its own remote.`,
    });
  }
  for (let i = 1; i < head.batches.length; i++) {
    if (head.batches[i - 1]!.last >= head.batches[i]!.first) throw corrupt('its batches are out of order');
  }
  return { head, signed: signedBytes(json as Record<string, unknown>) };
}

/** A batch descriptor's file as a key: full keys are kept, bare names are placed under the author's folder. */
export function descriptorKey(replica: string, file: string): string {
  return file.includes('/') ? file : `batches/${replica}/${file}`;
}
