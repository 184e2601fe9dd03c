// The remote adapters behind one door: callers parse a URL, then createRemote.

import { TidemarkError } from '../../../shared/errors';
import { createFolderRemote } from './folder-remote';
import type { Remote } from './remote';
import type { RemoteConfig } from './remote-url';
import { createS3Remote, type S3RemoteOptions } from './s3-remote';

export * from './remote';
export * from './remote-url';
export { countUsage, type CountedRemote } from './counting-remote';
export { createFolderRemote, ensureFolderRoot, type FolderRemoteOptions } from './folder-remote';
export { createMemoryRemote, type MemoryRemote, type MemoryRemoteOptions } from './memory-remote';
export { createS3Remote, toS3Error, type S3Remote, type S3RemoteOptions } from './s3-remote';

/** Connection settings of an S3 remote that are not part of its URL. */
export type S3ConnectionOptions = Partial<Omit<S3RemoteOptions, 'bucket' | 'prefix'>>;

export interface CreateRemoteOptions {
  s3?: S3ConnectionOptions;
}

/**
 * Builds the adapter for a parsed remote. S3 defaults: region us-east-1, and
 * path-style URLs whenever a custom endpoint is set (MinIO, Garage, s3rver need
 * them; R2, B2 and Wasabi accept them).
 */
export function createRemote(config: RemoteConfig, options: CreateRemoteOptions = {}): Remote {
  switch (config.kind) {
    case 'folder':
      return createFolderRemote(config.path);
    case 's3': {
      const s3 = options.s3 ?? {};
      return createS3Remote({
        ...s3,
        bucket: config.bucket,
        prefix: config.prefix,
        region: s3.region ?? 'us-east-1',
        forcePathStyle: s3.forcePathStyle ?? s3.endpoint !== undefined,
      });
    }
    default:
      throw new TidemarkError({
        kind: 'invalid-input',
        field: 'remote',
        message: `unknown remote kind ${String((config as { kind: unknown }).kind)}`,
        hint: 'Use a folder path or s3://bucket/prefix',
      });
  }
}
