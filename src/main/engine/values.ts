// SQLite values <-> the JSON text stored in ZV_CHANGE (DESIGN.md section 1).
//
// Integers are read as BigInt (better-sqlite3 safeIntegers) and written back
// as BigInt, so 64-bit keys survive and an INTEGER never comes back as a REAL.
// A REAL that happens to be whole is written with ".0" so it stays a REAL in
// columns without affinity. A BLOB is {"$blob":"<base64>"}.

export type SqliteValue = null | number | bigint | string | Uint8Array;

export function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return encodeReal(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) {
    return JSON.stringify({ $blob: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') });
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  throw new TypeError(`Cannot store a ${typeof value} in SQLite`);
}

function encodeReal(value: number): string {
  if (!Number.isFinite(value)) {
    // SQLite stores ±Inf as REAL; JSON has no literal for it. 1e999 parses back to Infinity.
    if (Number.isNaN(value)) return 'null';
    return value > 0 ? '1e999' : '-1e999';
  }
  const text = JSON.stringify(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

export function decodeValue(text: string | null): SqliteValue {
  if (text === null || text === 'null') return null;
  const first = text.charCodeAt(0);
  if (first === 34 /* " */) return JSON.parse(text) as string;
  if (first === 123 /* { */) {
    const parsed = JSON.parse(text) as { $blob?: unknown };
    if (typeof parsed.$blob === 'string') return new Uint8Array(Buffer.from(parsed.$blob, 'base64'));
    throw new TypeError('Unknown JSON object value');
  }
  if (/^-?\d+$/.test(text)) return BigInt(text);
  if (text === '1e999') return Infinity;
  if (text === '-1e999') return -Infinity;
  const number = Number(text);
  if (Number.isNaN(number)) throw new TypeError(`Not a JSON scalar: ${text.slice(0, 40)}`);
  return number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const JSON_INTEGER = /^-?(?:0|[1-9]\d*)$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Whether `text` is the JSON text of a value one SQLite cell holds, in the forms
 * encodeValue writes: null, a 64-bit integer, a number (1e999 for Infinity), a
 * string, or {"$blob":"<base64>"}. Remote changes are checked with this before
 * they reach the log: decodeValue would throw on anything else (an object, an
 * array, true, an integer beyond 64 bits), and one such value would stop every
 * later sync of the replica that received it.
 */
export function isValueText(text: string): boolean {
  if (text === 'null' || text === '1e999' || text === '-1e999') return true;
  const first = text.charCodeAt(0);
  if (first === 34 /* " */ || first === 123 /* { */) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return false;
    }
    if (first === 34) return typeof parsed === 'string';
    const keys = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
    const blob = (parsed as { $blob?: unknown } | null)?.$blob;
    return keys.length === 1 && keys[0] === '$blob' && typeof blob === 'string' && BASE64.test(blob);
  }
  if (JSON_INTEGER.test(text)) {
    if (text.length > 20) return false; // 64 bits are at most 19 digits and a sign
    const value = BigInt(text);
    return value >= INT64_MIN && value <= INT64_MAX;
  }
  return JSON_NUMBER.test(text); // never NaN; beyond a double it is Infinity, as SQLite reads it
}

/** A value for people: short, readable, never the raw JSON of a blob. */
export function displayValue(text: string | null): string {
  if (text === null) return '∅';
  if (text.startsWith('{"$blob"')) {
    const bytes = Buffer.from((JSON.parse(text) as { $blob: string }).$blob, 'base64').length;
    return `<${bytes} bytes>`;
  }
  return text;
}
