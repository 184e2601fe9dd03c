// A replica's keys (DESIGN.md 4.3): Ed25519 to sign its head, X25519 to
// receive wrapped data keys. Private halves live only in the SecretStore.
// Public halves travel as base64 of the raw 32-byte keys.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { SecretStore } from '../secrets/secret-store';

export interface PublicKeys {
  /** Ed25519, raw, base64. */
  signing: string;
  /** X25519, raw, base64. */
  agreement: string;
}

export interface ReplicaKeys {
  public: PublicKeys;
  signingPrivate: KeyObject;
  agreementPrivate: KeyObject;
}

// SPKI prefixes of 32-byte Ed25519 / X25519 public keys (RFC 8410).
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

export function privateKeyAccount(replica: string): string {
  return `replica/${replica}/private-keys`;
}

/** The replica's keys from the store, made and stored on first use. */
export async function loadOrCreateKeys(secrets: SecretStore, replica: string): Promise<ReplicaKeys> {
  const account = privateKeyAccount(replica);
  const stored = await secrets.get(account);
  if (stored) {
    const { signing, agreement } = JSON.parse(stored) as { signing: string; agreement: string };
    return fromPrivate(signing, agreement);
  }
  const signing = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const agreement = generateKeyPairSync('x25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  await secrets.set(account, JSON.stringify({ signing, agreement }));
  return fromPrivate(signing, agreement);
}

function fromPrivate(signingDer: string, agreementDer: string): ReplicaKeys {
  const signingPrivate = createPrivateKey({ key: Buffer.from(signingDer, 'base64'), format: 'der', type: 'pkcs8' });
  const agreementPrivate = createPrivateKey({ key: Buffer.from(agreementDer, 'base64'), format: 'der', type: 'pkcs8' });
  return {
    signingPrivate,
    agreementPrivate,
    public: { signing: rawPublic(createPublicKey(signingPrivate)), agreement: rawPublic(createPublicKey(agreementPrivate)) },
  };
}

function rawPublic(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

export function signingPublicKey(raw: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI, Buffer.from(raw, 'base64')]), format: 'der', type: 'spki' });
}

export function agreementPublicKey(raw: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI, Buffer.from(raw, 'base64')]), format: 'der', type: 'spki' });
}

export function isPublicKey(raw: unknown): raw is string {
  return typeof raw === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(raw);
}

export function signBytes(data: Uint8Array, key: KeyObject): string {
  return sign(null, data, key).toString('base64');
}

export function verifyBytes(data: Uint8Array, signature: string, publicKey: string): boolean {
  try {
    return verify(null, data, signingPublicKey(publicKey), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

const BASE32 = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no I, O, 0, 1: easy to read aloud

/**
 * A short, human-checkable fingerprint of both public keys: 100 bits of
 * sha256 as five groups of four characters, the same on every device.
 */
export function fingerprint(keys: PublicKeys): string {
  const digest = createHash('sha256').update(`tidemark-fingerprint-v1\n${keys.signing}\n${keys.agreement}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 20) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 20) break;
  }
  return out.match(/.{4}/g)!.join('-');
}
