import { Prng } from './prng';

/**
 * Hostile values: the strings and JSON values an attacker sends in fields, ids, cursors and
 * query parameters. Each generator takes the case's PRNG and nothing else (repeatable).
 */

/** MongoDB query operators, as keys an injected object would carry. */
export const MONGO_OPERATORS = [
  '$gt',
  '$gte',
  '$lt',
  '$ne',
  '$nin',
  '$in',
  '$where',
  '$regex',
  '$exists',
  '$expr',
  '$function',
  '$set',
  '$or',
  '$and',
  '$type',
  '$jsonSchema',
];

/** Keys that reach Object.prototype or a class's constructor when merged carelessly. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isAdmin',
];

const CONTROL_CHARS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u009f',
];

const ODD_UNICODE = [
  '\ufdfa', // one character, 18 when normalised (NFKD)
  '\u202e', // right-to-left override
  '\u200b', // zero width space
  '\ufeff', // byte order mark
  '\u2028', // line separator
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u0301\u0301\u0301', // combining marks
  '\ud83d\ude00', // emoji
  'ǅ', // titlecase digraph
  'İ', // lower-cases to two characters
  'ß', // upper-cases to two characters
  '\uffff',
];

const FIXED_STRINGS = [
  '',
  ' ',
  '\t \n ',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '1e309',
  '9007199254740993',
  '0x1f',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '{"$gt":""}',
  '{"$ne":null}',
  '$where',
  'sleep(1000)',
  "' OR '1'='1",
  "'; DROP TABLE posts_by_id; --",
  '" ALLOW FILTERING',
  '<script>alert(1)</script>',
  '{{constructor.constructor("return process")()}}',
  '{{> layouts/main}}',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%s%s%s%n',
  '${7*7}',
  '__proto__',
  'constructor',
  'admin',
  'Admin',
  'ADMIN',
  'author ',
  'javascript:alert(1)',
  '//evil.example',
  '/\\evil.example',
  'http://evil.example/',
  'ObjectId("000000000000000000000000")',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
  'FFFFFFFFFFFFFFFFFFFFFFFF',
  '0123456789abcdef0123456',
  '0123456789abcdef012345678',
  'a.b',
  'A'.repeat(43),
];

/** A run of characters of one kind, `length` long. */
function run(prng: Prng, length: number): string {
  const unit = prng.pick(['a', 'é', '\ufdfa', '\ud83d\ude00', 'ab ', '<', '%', '\u0000', '\u0085']);
  return unit.repeat(Math.max(1, Math.ceil(length / unit.length))).slice(0, length);
}

/** Lengths around the app's limits (names 80, titles 200, comments 5 000, content 50 000). */
export const EDGE_LENGTHS = [1, 2, 3, 32, 33, 79, 80, 81, 199, 200, 201, 1000, 1025, 5001];
export const HUGE_LENGTHS = [50_001, 100_000, 300_000];

/** A hostile string: fixed nasties, control characters, odd Unicode, edge and huge lengths. */
export function hostileString(prng: Prng, options: { huge?: boolean } = {}): string {
  const kind = prng.weighted<string>([
    [5, 'fixed'],
    [2, 'control'],
    [2, 'unicode'],
    [2, 'edge-length'],
    [options.huge ? 1 : 0, 'huge'],
    [1, 'mixed'],
  ]);
  switch (kind) {
    case 'fixed':
      return prng.pick(FIXED_STRINGS);
    case 'control':
      return `a${prng.pick(CONTROL_CHARS)}b`;
    case 'unicode':
      return prng.pick(ODD_UNICODE).repeat(prng.pick([1, 2, 200, 201]));
    case 'edge-length':
      return run(prng, prng.pick(EDGE_LENGTHS));
    case 'huge':
      return run(prng, prng.pick(HUGE_LENGTHS));
    default:
      return [prng.pick(FIXED_STRINGS), prng.pick(ODD_UNICODE), prng.pick(CONTROL_CHARS)].join('');
  }
}

/** An object an injection would send in place of a string: `{"$ne": null}` and friends. */
export function operatorObject(prng: Prng): Record<string, unknown> {
  const op = prng.pick(MONGO_OPERATORS);
  const value = prng.pick<unknown>([
    '',
    null,
    1,
    true,
    '.*',
    'sleep(5000) || true',
    [],
    { $gt: '' },
    'function() { return true; }',
  ]);
  return { [op]: value };
}

/**
 * A JSON value that is not a plain short string: numbers, booleans, null, arrays, operator
 * objects, prototype-polluting objects. (Deep and wide values are raw JSON: see rawJson.)
 */
export function hostileJsonValue(prng: Prng): unknown {
  return prng.weighted<() => unknown>([
    [2, () => prng.pick([0, -1, 1.5, 1e308, -0, 9e15, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER * 16])],
    [1, () => prng.pick([true, false])],
    [2, () => null],
    [2, () => prng.pick<unknown>([[], [hostileString(prng)], ['a', 'b'], [[['x']]], [null]])],
    [4, () => operatorObject(prng)],
    [
      2,
      () =>
        prng.pick<unknown>([
          { toString: 'x' },
          { valueOf: 1 },
          { length: 5 },
          { 0: 'a', length: 1 },
          {},
        ]),
    ],
    [1, () => hostileString(prng)],
  ])();
}

/**
 * JSON text no JSON.stringify would write: deep nesting, thousands of keys, own `__proto__`
 * keys, duplicated keys, numbers beyond double range.
 */
export function rawJson(prng: Prng): string {
  const kind = prng.weighted<string>([
    [3, 'deep'],
    [2, 'wide'],
    [3, 'proto'],
    [2, 'duplicate'],
    [1, 'number'],
  ]);
  switch (kind) {
    case 'deep': {
      const depth = prng.pick([64, 500, 5_000, 20_000]);
      const [open, close] = prng.pick([
        ['[', ']'],
        ['{"a":', '}'],
      ]);
      return open.repeat(depth) + '1' + close.repeat(depth);
    }
    case 'wide': {
      const keys = prng.pick([100, 1_000, 5_000, 20_000]);
      const parts: string[] = [];
      for (let i = 0; i < keys; i++) parts.push(`"k${i}":${i}`);
      return `{${parts.join(',')}}`;
    }
    case 'proto':
      return prng.pick([
        '{"__proto__":{"isAdmin":true,"role":"admin"}}',
        '{"constructor":{"prototype":{"isAdmin":true}}}',
        '{"__proto__":null}',
        '[{"__proto__":{"x":1}}]',
      ]);
    case 'duplicate':
      return '{"$gt":"","$gt":""}';
    default:
      return prng.pick(['1e999', '-1e999', '123456789012345678901234567890', '0.0000000001e-400']);
  }
}
