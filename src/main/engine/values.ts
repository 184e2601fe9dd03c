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

/** A value for people: short, readable, never the raw JSON of a blob. */
export function displayValue(text: string | null): string {
  if (text === null) return '∅';
  if (text.startsWith('{"$blob"')) {
    const bytes = Buffer.from((JSON.parse(text) as { $blob: string }).$blob, 'base64').length;
    return `<${bytes} bytes>`;
  }
  return text;
}
