import { createHash } from 'node:crypto';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The batch chain: each link hashes the previous link with the next batch's hash. */
export function extendChain(chain: string, batchSha256: string): string {
  return sha256Hex(chain + batchSha256);
}
