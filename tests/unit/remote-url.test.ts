// parseRemoteUrl takes what a person types; hostile or mistaken input must give
// a clear invalid-input error, never a secret echoed back.

import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createRemote, formatRemoteUrl, parseRemoteUrl } from '../../src/main/engine/remote';
import { isTidemarkError } from '../../src/shared/errors';

describe('parseRemoteUrl', () => {
  it.each([
    ['/media/usb/notes', { kind: 'folder', path: '/media/usb/notes' }],
    ['/media/usb/notes/', { kind: 'folder', path: '/media/usb/notes' }],
    ['  /media/usb/notes  ', { kind: 'folder', path: '/media/usb/notes' }],
    ['sync/notes', { kind: 'folder', path: '/home/ana/sync/notes' }],
    ['./sync/../notes', { kind: 'folder', path: '/home/ana/notes' }],
    ['~/Dropbox/notes', { kind: 'folder', path: `${homedir()}/Dropbox/notes` }],
    ['file:///media/usb/my%20notes', { kind: 'folder', path: '/media/usb/my notes' }],
    ['s3://my-bucket', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/tidemark/notes/', { kind: 's3', bucket: 'my-bucket', prefix: 'tidemark/notes' }],
    ['S3://my.bucket.v2/x', { kind: 's3', bucket: 'my.bucket.v2', prefix: 'x' }],
  ])('reads %j', (url, expected) => {
    expect(parseRemoteUrl(url, { cwd: '/home/ana' })).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['https://example.com/bucket', /"https:\/\/" remotes are not supported/],
    ['gs://bucket/x', /"gs:\/\/" remotes are not supported/],
    ['s3://AKIAEXAMPLE:hunter2@bucket/x', /must not contain credentials/],
    ['s3://bucket:9000/x', /must not contain credentials or a port/],
    ['s3://Bad_Bucket/x', /is not a bucket name/],
    ['s3://ab/x', /is not a bucket name/],
    ['s3:///x', /is not a bucket name/],
    ['s3://bucket/a//b', /empty, "\." or "\.\." part/],
    ['s3://bucket/a/../b', /empty, "\." or "\.\." part/],
    ['s3://bucket/x?versionId=1', /query or fragment/],
    ['file://server/share/notes', /not a usable file URL/],
  ])('refuses %j', (url, message) => {
    let error: unknown;
    try {
      parseRemoteUrl(url);
    } catch (e) {
      error = e;
    }
    expect(isTidemarkError(error) && error.detail.kind).toBe('invalid-input');
    expect(isTidemarkError(error) && error.message).toMatch(message);
    expect(JSON.stringify(isTidemarkError(error) && error.detail)).not.toContain('hunter2');
  });

  it('formats what it parses back to the same config', () => {
    for (const url of ['/media/usb/notes', 's3://my-bucket', 's3://my-bucket/a/b']) {
      const config = parseRemoteUrl(url);
      expect(parseRemoteUrl(formatRemoteUrl(config))).toEqual(config);
    }
  });
});

describe('createRemote', () => {
  it('builds a folder remote named by its absolute path', () => {
    expect(createRemote(parseRemoteUrl('/media/usb/notes')).url).toBe('/media/usb/notes');
  });

  it('builds an S3 remote whose url holds no secret', () => {
    const remote = createRemote(parseRemoteUrl('s3://my-bucket/notes'), {
      s3: { endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AKIA', secretAccessKey: 'hunter2' } },
    });
    expect(remote.url).toBe('s3://my-bucket/notes');
  });
});
