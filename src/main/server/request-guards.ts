// Guards of `tidemark serve`, as plain functions tested with hostile input.

import { randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const LOCAL_NAMES = ['127.0.0.1', 'localhost'];

/**
 * DNS rebinding defence: a page from evil.example that re-points its name to
 * 127.0.0.1 still sends `Host: evil.example`. Only our own names pass.
 */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const match = /^([^:]+|\[[^\]]+\]):(\d+)$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  return LOCAL_NAMES.includes(match[1]!) && Number(match[2]) === port;
}

/** Browsers send Origin on POST; it must be our own (or absent, e.g. a non-browser client with the token). */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return LOCAL_NAMES.some((name) => origin.toLowerCase() === `http://${name}:${port}`);
}
