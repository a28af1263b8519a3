import { Prng } from './prng';
import { ParamKind } from './routes';
import { hostileString } from './values';

/**
 * What a path parameter names, symbolically: one of the fixtures (resolved at run time), an id or
 * username nobody has, a hostile string, or a fixture's id changed a little (`derived`: the app
 * may or may not take it for the fixture, so it never counts as a missing target).
 */
export type TargetPlan =
  | { kind: 'post-author' | 'post-admin' | 'comment' | 'user-author' | 'user-admin' }
  | { kind: 'missing'; value: string }
  | { kind: 'hostile'; value: string; encoding: PathEncoding }
  | { kind: 'derived'; of: FixtureTarget; change: IdChange };

export type FixtureTarget = 'post-author' | 'post-admin' | 'comment' | 'user-author' | 'user-admin';
export type IdChange = 'upper' | 'space' | 'slash' | 'nul' | 'dot' | 'double' | 'semicolon';
/** pct: every byte percent-encoded; raw: as is where it can be; bad: a broken %-escape added */
export type PathEncoding = 'pct' | 'raw' | 'bad-escape' | 'raw-bytes';

const FIXTURES: Record<ParamKind, FixtureTarget[]> = {
  post: ['post-author', 'post-admin'],
  comment: ['comment'],
  username: ['user-author', 'user-admin'],
};

function hex(prng: Prng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += '0123456789abcdef'[prng.int(0, 15)];
  return out;
}

/** A well-formed id or username no fixture has. */
function missing(prng: Prng, param: ParamKind): string {
  return param === 'username' ? `nobody${hex(prng, 6)}` : `ffff${hex(prng, 20)}`;
}

export function invalidTarget(prng: Prng, param: ParamKind): TargetPlan {
  if (prng.chance(0.5)) return { kind: 'missing', value: missing(prng, param) };
  return {
    kind: 'hostile',
    value: hostileString(prng) || '%',
    encoding: prng.weighted<PathEncoding>([
      [5, 'pct'],
      [2, 'raw'],
      [1, 'bad-escape'],
      [1, 'raw-bytes'],
    ]),
  };
}

export function generateTarget(prng: Prng, param: ParamKind): TargetPlan {
  return prng.weighted<() => TargetPlan>([
    [6, () => ({ kind: prng.pick(FIXTURES[param]) })],
    [4, () => invalidTarget(prng, param)],
    [
      1,
      () => ({
        kind: 'derived',
        of: prng.pick(FIXTURES[param]),
        change: prng.pick([
          'upper',
          'space',
          'slash',
          'nul',
          'dot',
          'double',
          'semicolon',
        ] as const),
      }),
    ],
  ])();
}

/** A fixture's path value changed a little, encoded for a path. */
export function derivedValue(value: string, change: IdChange): string {
  switch (change) {
    case 'upper':
      return value.toUpperCase();
    case 'space':
      return `${value}%20`;
    case 'slash':
      return `${value}/`;
    case 'nul':
      return `${value}%00`;
    case 'dot':
      return `${value}.`;
    case 'double':
      return `${value}${value}`;
    case 'semicolon':
      return `${value};x=1`;
  }
}

/** Percent-encodes every byte but unreserved ones (lone surrogates as U+FFFD, as UTF-8 does). */
export function pct(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A hostile path segment as bytes on the wire. */
export function encodeSegment(value: string, encoding: PathEncoding): Buffer {
  switch (encoding) {
    case 'pct':
      return Buffer.from(pct(value), 'latin1');
    case 'raw':
      // printable ASCII as is (a '%' may make a broken escape: that is the point)
      return Buffer.from(
        value.replace(/[^\x21-\x7e]/g, (c) => pct(c)),
        'latin1',
      );
    case 'bad-escape':
      return Buffer.from(`${pct(value)}%E0%A4%A`, 'latin1');
    case 'raw-bytes':
      return Buffer.from(
        value.replace(/[\s?#]/g, (c) => pct(c)),
        'utf8',
      );
  }
}
