// Generators of hostile batch files and heads, for the fuzz tests: what a
// broken disk, a truncated download, a buggy or malicious replica could put on
// a remote. Every generator starts from a valid file (or from nothing) and
// damages it one way; `batchFile` and `headFile` pick among all of them.

import { gzipSync, gunzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import type { Change } from '../../src/shared/types';
import { encodeBatch } from '../../src/main/engine/sync/batch-file';
import { createHlc } from '../../src/main/engine/hlc';
import { encodeValue } from '../../src/main/engine/values';

export const DATASET = '0190f5a0-0000-7000-8000-000000000001';
export const AUTHOR = '0190f5a0-0000-7000-8000-0000000000aa';

/** Names that break naive SQL: quotes, statement ends, comments, SQL itself, NUL, huge. */
export const hostileNames = [
  'notes"; DROP TABLE notes; --',
  "notes'; DROP TABLE notes; --",
  'x" = 1; DELETE FROM notes; --',
  '"',
  "'",
  '`]',
  ';',
  '--',
  '/*',
  'DROP TABLE notes',
  'notes; ATTACH DATABASE \'/tmp/pwn.db\' AS pwn; --',
  'ZV_CHANGE',
  'ZV_METADATA',
  'sqlite_schema',
  '_deleted',
  '',
  ' ',
  'a\u0000b',
  '\u202enotes',
  '名前',
  'x'.repeat(100_000),
];

/** JSON that is valid JSON but not a value a SQLite cell can hold, and text that is no JSON. */
export const hostileValues = [
  '{"a":1}',
  '{"$blob":1}',
  '{"$blob":"AAEC","x":2}',
  'true',
  'false',
  '[1,2]',
  '[]',
  '{}',
  '99999999999999999999999',
  '-9223372036854775809',
  '9223372036854775808',
  ' "padded"',
  '0x10',
  '007',
  'NaN',
  'Infinity',
  "'); DROP TABLE notes; --",
  '',
  'null ',
  '{"$blob":"not base64!"}',
  '9'.repeat(100_000),
];

/** Odd but valid: values a SQLite cell holds, which must come through as data. */
export const oddValues = ['1e400', '-0', '"x" ', '"\\u0000"', '"\'); DROP TABLE notes; --"', '"\\ud800"', '{"$blob":""}', '-9223372036854775808'];

const clock = createHlc({ now: () => Date.UTC(2026, 0, 1) });
const ids = (n: number) => Array.from({ length: n }, () => clock.next());

/**
 * Whose files these are: by default a made-up replica; through a real pull, the
 * trusted replica being modelled (its id, its dataset, the hash of its last
 * batch, ids after its last change), so a file that decoded would be applied.
 */
export interface Identity {
  author: string;
  dataset: string;
  /** sha256 of the author's previous batch file. */
  prev: string;
  nextId(): string;
}

const madeUp: Identity = { author: AUTHOR, dataset: DATASET, prev: '', nextId: () => clock.next() };

/** Values as the engine writes them. */
const sqliteValueText = fc
  .oneof(
    fc.constant(null),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.string({ maxLength: 12 }),
    fc.double({ noNaN: true }),
    fc.uint8Array({ maxLength: 8 }),
  )
  .map(encodeValue);

/** Changes of one author in id order, as a push would batch them. */
export const changes = (options: { names?: fc.Arbitrary<string>; values?: fc.Arbitrary<string | null>; who?: Identity } = {}) =>
  fc
    .array(
      fc.record({
        entityType: options.names ?? fc.constantFrom('notes', 'tags'),
        entityId: options.names ?? fc.string({ minLength: 1, maxLength: 6 }),
        attribute: options.names ?? fc.constantFrom('title', 'body', 'rank', '_deleted'),
        oldValue: fc.option(sqliteValueText, { nil: null }),
        newValue: options.values ?? sqliteValueText,
      }),
      { minLength: 1, maxLength: 8 },
    )
    .map((rows): Change[] => {
      const who = options.who ?? madeUp;
      const transactionId = who.nextId();
      return rows.map((row) => ({ id: who.nextId(), transactionId, author: who.author, ...row }));
    });

export function validBatch(rows: readonly Change[], who: Identity = madeUp): Buffer {
  return encodeBatch(rows, { dataset_uuid: who.dataset, author: who.author, prev_sha256: who.prev }).bytes;
}

const flipBits = (bytes: Uint8Array, positions: number[]): Buffer => {
  const out = Buffer.from(bytes);
  for (const p of positions) out[p % out.length]! ^= 1 << (p % 8);
  return out;
};

/** A SQLite database built from statements (hostile schema or rows), gzipped like a batch. */
export function sqliteFile(statements: string[]): Buffer {
  const db = new BetterSqlite3(':memory:');
  try {
    for (const sql of statements) db.exec(sql);
    return gzipSync(db.serialize());
  } finally {
    db.close();
  }
}

const TABLES = {
  batch: 'CREATE TABLE ZV_BATCH (key TEXT PRIMARY KEY, value TEXT)',
  transaction: 'CREATE TABLE ZV_TRANSACTION (id TEXT NOT NULL PRIMARY KEY, author TEXT NOT NULL)',
  change: `CREATE TABLE ZV_CHANGE (id TEXT NOT NULL PRIMARY KEY, transaction_id TEXT NOT NULL, entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL, attribute TEXT NOT NULL, old_value TEXT, new_value TEXT)`,
};
/** A batch's metadata and rows as SQL, for recipes that change one thing; fresh ids each time. */
function partsFor(who: Identity) {
  const [T1, C1, C2] = [who.nextId(), who.nextId(), who.nextId()];
  const meta = (overrides: Record<string, string | null> = {}) => {
    const values: Record<string, string | null> = { format: '1', dataset_uuid: who.dataset, author: who.author, first: C1, last: C2, count: '2', prev_sha256: who.prev, ...overrides };
    return Object.entries(values)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `INSERT INTO ZV_BATCH VALUES ('${k}', '${v!.replace(/'/g, "''")}')`);
  };
  const rows = [
    `INSERT INTO ZV_TRANSACTION VALUES ('${T1}', '${who.author}')`,
    `INSERT INTO ZV_CHANGE VALUES ('${C1}', '${T1}', 'notes', 'n1', 'title', NULL, '"from the file"')`,
    `INSERT INTO ZV_CHANGE VALUES ('${C2}', '${T1}', 'notes', 'n1', 'rank', NULL, '7')`,
  ];
  return { T1, C1, C2, meta, rows };
}

/** A newer format: the rest of the file may be anything (here: the same, or ZV_BATCH alone). */
function newerFormat(who: Identity, format: number, withRows: boolean): string[] {
  const { meta, rows } = partsFor(who);
  return withRows ? [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ format: String(format) }), ...rows] : [TABLES.batch, ...meta({ format: String(format) })];
}

/**
 * SQLite files with the wrong schema, each a recipe of statements. Some would
 * run SQL of the file's author if the reader ever queried them: views (two of
 * them never end), a generated column. Each view or generated column yields
 * valid rows, so a reader that ran it would take them.
 */
export function wrongSchemasFor(who: Identity): Record<string, string[]> {
  const { T1, C1, C2, meta, rows } = partsFor(who);
  const wellFormed = [TABLES.batch, TABLES.transaction, TABLES.change, ...meta(), ...rows];
  return {
    'empty database': [],
    'no ZV_BATCH': [TABLES.transaction, TABLES.change, ...rows],
    'no ZV_CHANGE': [TABLES.batch, TABLES.transaction, ...meta({ count: '0' }), rows[0]!],
    'no ZV_TRANSACTION': [TABLES.batch, TABLES.change, ...meta(), ...rows.slice(1)],
    'ZV_BATCH without format': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ format: null }), ...rows],
    'format is text': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ format: 'one' }), ...rows],
    'format is fractional': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ format: '1.5' }), ...rows],
    'count is negative': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ count: '-2' }), ...rows],
    'count is wrong': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ count: '3' }), ...rows],
    'another author': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ author: DATASET }), ...rows],
    'ids outside first..last': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta({ first: C2, last: C2 }), ...rows],
    'a change without its transaction': [TABLES.batch, TABLES.transaction, TABLES.change, ...meta(), ...rows.slice(1)],
    // A transaction id far after the batch would drag the reader's clock along when it next opens.
    'a transaction stamped after the batch': [
      TABLES.batch,
      TABLES.transaction,
      TABLES.change,
      ...meta(),
      ...rows.map((row) => row.replaceAll(T1, 'ffffffff-ffff-7fff-bfff-ffffffffffff')),
    ],
    'ids as integers': [
      TABLES.batch,
      TABLES.transaction,
      'CREATE TABLE ZV_CHANGE (id INTEGER PRIMARY KEY, transaction_id TEXT, entity_type TEXT, entity_id TEXT, attribute TEXT, old_value TEXT, new_value TEXT)',
      ...meta({ first: '1', last: '2' }),
      rows[0]!,
      `INSERT INTO ZV_CHANGE VALUES (1, '${T1}', 'notes', 'n1', 'title', NULL, '"x"')`,
      `INSERT INTO ZV_CHANGE VALUES (2, '${T1}', 'notes', 'n1', 'rank', NULL, '7')`,
    ],
    'values as blobs and reals': [
      TABLES.batch,
      TABLES.transaction,
      'CREATE TABLE ZV_CHANGE (id TEXT PRIMARY KEY, transaction_id TEXT, entity_type BLOB, entity_id REAL, attribute ANY, old_value BLOB, new_value BLOB)',
      ...meta(),
      rows[0]!,
      `INSERT INTO ZV_CHANGE VALUES ('${C1}', '${T1}', X'6e6f746573', 1.5, 'title', NULL, X'2278')`,
      `INSERT INTO ZV_CHANGE VALUES ('${C2}', '${T1}', 'notes', 'n1', 2, NULL, 7)`,
    ],
    'ZV_CHANGE is a view that computes its rows': [
      TABLES.batch,
      TABLES.transaction,
      ...meta(),
      rows[0]!,
      `CREATE VIEW ZV_CHANGE AS SELECT '${C1}' AS id, '${T1}' AS transaction_id, 'notes' AS entity_type, 'n1' AS entity_id,
         'title' AS attribute, NULL AS old_value, json_quote(upper('computed by the file')) AS new_value
       UNION ALL SELECT '${C2}', '${T1}', 'notes', 'n1', 'rank', NULL, '7'`,
    ],
    'ZV_CHANGE is a view that never ends': [
      TABLES.batch,
      TABLES.transaction,
      ...meta({ count: '0' }),
      rows[0]!,
      `CREATE VIEW ZV_CHANGE AS WITH RECURSIVE forever(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM forever)
       SELECT x AS id, 1 AS transaction_id, 1 AS entity_type, 1 AS entity_id, 1 AS attribute, 1 AS old_value, 1 AS new_value
       FROM forever WHERE x < 0`,
    ],
    'ZV_BATCH is a view that never ends': [
      `CREATE VIEW ZV_BATCH AS WITH RECURSIVE forever(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM forever)
       SELECT 'format' AS key, '1' AS value FROM forever WHERE x < 0`,
      TABLES.transaction,
      TABLES.change,
      ...rows,
    ],
    'ZV_TRANSACTION is a view': [TABLES.batch, TABLES.change, ...meta(), ...rows.slice(1), `CREATE VIEW ZV_TRANSACTION AS SELECT '${T1}' AS id, '${who.author}' AS author`],
    'a generated column computes new_value': [
      TABLES.batch,
      TABLES.transaction,
      `CREATE TABLE ZV_CHANGE (id TEXT PRIMARY KEY, transaction_id TEXT, entity_type TEXT, entity_id TEXT, attribute TEXT, old_value TEXT,
         raw TEXT, new_value TEXT GENERATED ALWAYS AS (json_quote(upper(raw))) VIRTUAL)`,
      ...meta(),
      rows[0]!,
      `INSERT INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, raw) VALUES ('${C1}', '${T1}', 'notes', 'n1', 'title', NULL, 'generated by the file')`,
      `INSERT INTO ZV_CHANGE (id, transaction_id, entity_type, entity_id, attribute, old_value, raw) VALUES ('${C2}', '${T1}', 'notes', 'n1', 'rank', NULL, '7')`,
    ],
    'extra trigger and table': [...wellFormed, 'CREATE TABLE evil (x)', 'CREATE TRIGGER evil_t AFTER INSERT ON ZV_CHANGE BEGIN DELETE FROM evil; END'],
    'an expression index': [...wellFormed, 'CREATE INDEX evil_i ON ZV_CHANGE (upper(new_value))'],
    'duplicate keys in ZV_BATCH': ['CREATE TABLE ZV_BATCH (key TEXT, value TEXT)', TABLES.transaction, TABLES.change, ...meta(), ...meta({ author: DATASET }), ...rows],
  };
}

/** The wrong schemas of a made-up replica's batch. */
export const wrongSchemas = wrongSchemasFor(madeUp);

/** Recipes whose SQL, if a reader ever ran it, would never end: tested in a child process that can be killed. */
export const isEndless = (name: string) => name.includes('never ends');

/** Valid batches, then the ways to damage one: each yields the bytes to decode. */
export const batchFile = (who: Identity = madeUp): fc.Arbitrary<{ kind: string; bytes: Buffer }> => {
  const valid = changes({ who }).map((rows) => validBatch(rows, who));
  const tag = (kind: string) => (bytes: Buffer) => ({ kind, bytes });
  return fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((b) => ({ kind: 'random bytes', bytes: Buffer.from(b) })),
    fc.uint8Array({ maxLength: 2048 }).map((b) => ({ kind: 'random bytes after a gzip header', bytes: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0]), b]) })),
    fc.uint8Array({ maxLength: 4096 }).map((b) => ({ kind: 'gzip of random bytes', bytes: gzipSync(b) })),
    fc.uint8Array({ maxLength: 512 }).map((b) => ({ kind: 'gzip of a SQLite header and random bytes', bytes: gzipSync(Buffer.concat([Buffer.from('SQLite format 3\0'), b])) })),
    fc.tuple(valid, fc.double({ min: 0, max: 1, noNaN: true })).map(([bytes, at]) => ({ kind: 'truncated gzip', bytes: bytes.subarray(0, Math.floor(bytes.length * at * 0.999)) })),
    fc.tuple(valid, fc.array(fc.nat(), { minLength: 1, maxLength: 8 })).map(([bytes, at]) => ({ kind: 'bit flips in the gzip', bytes: flipBits(bytes, at) })),
    fc.tuple(valid, fc.array(fc.nat(), { minLength: 1, maxLength: 16 })).map(([bytes, at]) => ({ kind: 'bit flips in the SQLite file', bytes: gzipSync(flipBits(gunzipSync(bytes), at)) })),
    fc.tuple(valid, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([bytes, at, junk]) => {
      const inner = gunzipSync(bytes);
      junk.forEach((b, i) => (inner[(at + i) % inner.length] = b));
      return { kind: 'overwritten bytes in the SQLite file', bytes: gzipSync(inner) };
    }),
    fc.tuple(valid, fc.double({ min: 0, max: 1, noNaN: true })).map(([bytes, at]) => {
      const inner = gunzipSync(bytes);
      return { kind: 'truncated SQLite file', bytes: gzipSync(inner.subarray(0, Math.floor(inner.length * at * 0.999))) };
    }),
    fc.constantFrom(...Object.keys(wrongSchemas).filter((name) => !isEndless(name))).map((name) => ({ kind: `wrong schema: ${name}`, bytes: sqliteFile(wrongSchemasFor(who)[name]!) })),
    fc.tuple(fc.integer({ min: 2, max: 2 ** 31 }), fc.boolean()).map(([format, withRows]) => ({
      kind: 'newer format',
      bytes: sqliteFile(newerFormat(who, format, withRows)),
    })),
    changes({ names: fc.constantFrom(...hostileNames), who }).map((rows) => validBatch(rows, who)).map(tag('hostile names')),
    changes({ values: fc.constantFrom(...hostileValues, ...oddValues), who }).map((rows) => validBatch(rows, who)).map(tag('hostile values')),
    valid.map(tag('valid')),
  );
};

// ---------------------------------------------------------------------------
// Heads

export const REPLICA = AUTHOR;

export function validHead(): Record<string, unknown> {
  const [b1, b2, b3, b4, written] = ids(5);
  return {
    format: 1,
    dataset_uuid: DATASET,
    replica: REPLICA,
    name: 'laptop',
    public_key: Buffer.alloc(32, 1).toString('base64'),
    agreement_key: Buffer.alloc(32, 2).toString('base64'),
    written,
    last: b4,
    count: 12,
    batches: [
      { file: `batches/${REPLICA}/${b1}_${b2}.db.gz`, first: b1, last: b2, count: 5, bytes: 900, sha256: 'a'.repeat(64) },
      { file: `batches/${REPLICA}/${b3}_${b4}.db.gz`, first: b3, last: b4, count: 7, bytes: 1200, sha256: 'b'.repeat(64) },
    ],
    chain: 'c'.repeat(64),
    endorsements: [],
    signature: Buffer.alloc(64, 3).toString('base64'),
  };
}

const deep = (depth: number, open: string, close: string, inner = '0') => open.repeat(depth) + inner + close.repeat(depth);

/** Raw head bodies: valid, damaged, or hostile JSON, made from `json` (a valid head). */
export const headFile = (json: Record<string, unknown> = validHead()): fc.Arbitrary<{ kind: string; bytes: Buffer }> => {
  const text = (kind: string) => (s: string) => ({ kind, bytes: Buffer.from(s, 'utf8') });
  const body = JSON.stringify(json);
  const fields = Object.keys(json);
  const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<unknown>(null, -1, 1.5, 2 ** 60, '', 'x'.repeat(10_000), [], {}, [{}], { __proto__: { polluted: true } }));
  return fc.oneof(
    fc.uint8Array({ maxLength: 1024 }).map((b) => ({ kind: 'random bytes', bytes: Buffer.from(b) })),
    fc.string({ maxLength: 300 }).map(text('random text')),
    fc.jsonValue({ maxDepth: 4 }).map((v) => text('random JSON')(JSON.stringify(v) ?? 'null')),
    fc.nat(body.length - 1).map((n) => text('truncated')(body.slice(0, n))),
    fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).map((at) => ({ kind: 'bit flips', bytes: flipBits(Buffer.from(body), at) })),
    fc.tuple(fc.constantFrom(...fields), anyJson).map(([field, value]) => text(`field ${field} replaced`)(JSON.stringify({ ...json, [field]: value }))),
    fc.constantFrom(...fields).map((field) => text(`field ${field} removed`)(JSON.stringify({ ...json, [field]: undefined }))),
    fc.tuple(fc.constantFrom('batches', 'endorsements', 'keys', 'acks', 'snapshot'), fc.constantFrom(0, 1, 65, 257, 10_001)).map(([field, n]) =>
      text(`${field} with ${n} entries`)(JSON.stringify({ ...json, [field]: Array.from({ length: n }, () => (json.batches as unknown[])[0]) })),
    ),
    fc.integer({ min: 2, max: 2 ** 31 }).map((format) => text('newer format')(JSON.stringify({ ...json, format }))),
    fc.constantFrom(1_000, 10_000, 200_000).map((depth) => text(`nested ${depth} deep in an extra field`)(body.replace(/^\{/, `{"extra":${deep(depth, '[', ']')},`))),
    fc.constantFrom(1_000, 200_000).map((depth) => text(`nested ${depth} deep objects`)(body.replace(/^\{/, `{"extra":${deep(depth, '{"a":', '}')},`))),
    fc.constantFrom(200_000).map((depth) => text('nested arrays at the top')(deep(depth, '[', ']'))),
    fc.constant(text('__proto__ and constructor keys')(body.replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},'))),
    fc.constant(text('batches out of order')(JSON.stringify({ ...json, batches: [...(json.batches as unknown[])].reverse() }))),
    fc.constant(text('another replica')(JSON.stringify({ ...json, replica: DATASET }))),
    fc.constant(text('another dataset')(JSON.stringify({ ...json, dataset_uuid: REPLICA }))),
    fc.constant(text('a hostile name')(JSON.stringify({ ...json, name: hostileNames[0] }))),
    fc.constant(text('valid')(body)),
  );
};
