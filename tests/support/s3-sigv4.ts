// AWS Signature Version 4 verification for the S3 test server. s3rver 3.7.1
// checks only the access key id of a V4 request, never its signature, so a wrong
// secret would pass; real S3 answers 403 SignatureDoesNotMatch. This recomputes
// the signature of header-signed requests (what the SDK sends). The payload hash
// is taken from x-amz-content-sha256 as sent, not recomputed from the body.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignedRequest {
  method: string;
  /** The raw request target as received: path?query, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
}

export type SignatureFailure = { code: 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'AccessDenied'; message: string };

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

// RFC 3986 encoding, as SigV4 wants it.
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? '' : part.slice(eq + 1);
      return [encode(decodeURIComponent(name)), encode(decodeURIComponent(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
}

/**
 * Checks a request signed with an Authorization header against the secret of its
 * access key id; undefined when the signature holds (or the request is anonymous
 * or presigned, which these tests never send).
 */
export function verifySigV4(
  request: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
): SignatureFailure | undefined {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === '') return undefined;
  const match = AUTHORIZATION.exec(authorization);
  if (!match) return { code: 'AccessDenied', message: 'Unsupported or malformed Authorization header' };
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const secret = secretFor(accessKeyId);
  if (secret === undefined) {
    return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  const query = q === -1 ? '' : request.url.slice(q + 1);
  const names = signedHeaders.split(';');
  const canonicalRequest = [
    request.method,
    path, // S3 signs the path as sent (no second encoding)
    canonicalQuery(query),
    ...names.map((name) => `${name}:${headerValue(request.headers, name)}`),
    '',
    signedHeaders,
    headerValue(request.headers, 'x-amz-content-sha256') || 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', headerValue(request.headers, 'x-amz-date'), scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return undefined;
  return {
    code: 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  };
}
