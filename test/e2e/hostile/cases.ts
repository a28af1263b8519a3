import { BodyPlan, bodyRefusal, generateBody, invalidateBody } from './bodies';
import { actingAs, CallerPlan, generateCaller, mayWrite, unauthorizedCaller } from './callers';
import { casePrng, Prng } from './prng';
import { QueryParam, ROUTES, RouteSpec, routeKey } from './routes';
import { generateTarget, invalidTarget, TargetPlan } from './targets';
import { hostileString } from './values';

/** A query parameter as sent: name and value, each either encoded by the suite or raw. */
export interface QueryPart {
  name: string;
  value: string;
  /** the value's bytes as they are (may break a %-escape) instead of percent-encoded */
  raw?: boolean;
}

/** A header added to the case (never a credential: those come from the caller). */
export type ExtraHeader = [string, string | number[]];

/** One hostile request, symbolic: built into bytes against the run's fixtures (request.ts). */
export interface HostileCase {
  phase: string;
  index: number;
  route: string;
  method: string;
  /** a change to the route's fixed part of the path (the route may stop matching) */
  pathChange?: 'trailing-slash' | 'upper' | 'double-slash' | 'dot-segment' | 'encoded-letter';
  target?: TargetPlan;
  query: QueryPart[];
  caller: CallerPlan;
  accept: string | undefined;
  headers: ExtraHeader[];
  body?: BodyPlan;
  /** a write: why it certainly changes nothing (at least one reason) */
  refusedBecause: string[];
}

const METHODS_INSTEAD = [
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'PROPFIND',
  'GET',
  'POST',
];

const ACCEPTS = [
  'application/json',
  'text/html',
  '*/*',
  'text/html,application/json;q=0.9',
  'application/json;q=0',
  '',
  'application/*',
  'image/png',
  ';;;,,,',
];

function extraHeaders(prng: Prng): ExtraHeader[] {
  const pool: (() => ExtraHeader)[] = [
    () => ['X-Forwarded-For', prng.pick(['1.2.3.4', '127.0.0.1, 10.0.0.1', 'garbage', '::1'])],
    () => ['X-Forwarded-Proto', 'https'],
    () => ['X-HTTP-Method-Override', prng.pick(['DELETE', 'PUT', 'GET'])],
    () => ['X-Original-URL', '/admin/users'],
    () => [
      'Referer',
      prng.pick(['http://evil.example/', hostileString(prng).replace(/[\r\n]/g, '')]),
    ],
    () => ['User-Agent', 'x'.repeat(prng.pick([1, 1000, 8000]))],
    () => ['Accept-Language', prng.pick(['*', 'xx-YY;q=2', ';;', 'de'.repeat(500)])],
    () => ['If-None-Match', '"x"'],
    () => ['Range', prng.pick(['bytes=0-0', 'bytes=-1', 'bytes=9999999-', 'lines=1-2'])],
    () => ['Expect', '100-continue'],
    () => ['Accept-Encoding', prng.pick(['gzip', 'br;q=1, *;q=0', 'x'])],
    () => [
      'Cookie',
      prng.pick([
        'sid=garbage',
        'visitor=short',
        'a=b; sid',
        'sid=%',
        '=;;=;',
        'flash=' + 'x'.repeat(100),
      ]),
    ],
    () => ['Cookie', 'x'.repeat(prng.pick([100, 4000]))],
    () => ['X-CSRF-Token', prng.pick(['', 'x', 'A'.repeat(43)])],
    () => ['Host', prng.pick(['evil.invalid', '', 'a'.repeat(300), '127.0.0.1:1', '[::1]'])],
    () => ['X-Big', 'b'.repeat(prng.pick([1000, 20_000]))],
    () => ['X-Latin1', [0x61, 0xe9, 0xff, 0x80]],
    () => ['X-Control', [0x61, 0x01, 0x62]],
    () => ['Transfer-Encoding', prng.pick(['gzip', 'identity', 'chunked, chunked'])],
    () => ['Content-Length', prng.pick(['-1', 'abc', '1, 2'])],
  ];
  const out: ExtraHeader[] = [];
  const count = prng.weighted([
    [5, 0],
    [3, 1],
    [1, 2],
    [1, 3],
  ]);
  for (let i = 0; i < count; i++) out.push(prng.pick(pool)());
  return out;
}

/** A cursor an attacker crafts: real shape with wrong ranges, or plain garbage. */
export function hostileCursor(prng: Prng, comments: boolean): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const id = prng.pick([
    '0123456789abcdef01234567',
    'ffffffffffffffffffffffff',
    'xyz',
    'FFFFFFFFFFFFFFFFFFFFFFFF',
  ]);
  const date = prng.pick([
    9e15,
    -9e15,
    8.64e15,
    8.64e15 + 1,
    Number.MAX_SAFE_INTEGER,
    -1,
    0,
    1.5,
    1e21,
  ]);
  if (comments) {
    return prng.weighted<() => string>([
      [4, () => b64([date, id])],
      [1, () => b64([String(date), id])],
      [1, () => b64([{ $gt: 0 }, id])],
      [2, () => hostileString(prng)],
      [1, () => 'A'.repeat(prng.pick([199, 200, 201, 5000]))],
    ])();
  }
  const sort = prng.pick(['newest', 'oldest', 'title', 'title-desc', 'bogus']);
  const key = prng.weighted<() => unknown>([
    [4, () => date],
    [2, () => '\ufdfa'.repeat(prng.pick([1, 200, 1000, 1001]))],
    [1, () => ''],
    [1, () => ({ $gt: '' })],
    [1, () => null],
  ])();
  return prng.weighted<() => string>([
    [5, () => b64([sort, key, id, prng.pick(['a', 'b', 'c'])])],
    [1, () => b64([sort, key, id])],
    [1, () => b64({ sort, key, id })],
    [1, () => hostileString(prng)],
    [1, () => 'A'.repeat(prng.pick([1999, 2000, 2001, 100_000]))],
  ])();
}

function queryValue(prng: Prng, name: QueryParam | string): string {
  switch (name) {
    case 'sort':
      return prng.weighted<() => string>([
        [3, () => prng.pick(['newest', 'oldest', 'title', 'title-desc'])],
        [2, () => hostileString(prng)],
        [1, () => 'NEWEST'],
      ])();
    case 'cursor':
      return hostileCursor(prng, false);
    case 'comments':
      return hostileCursor(prng, true);
    case 'since':
      return prng.weighted<() => string>([
        [2, () => prng.pick(['1h', '7d', '0', '2026-12-03', '2026-12-03T18:00:00Z'])],
        [1, () => prng.pick(['1y', '-1h', '2026-13-45', '99999999999d', 'yesterday', ''])],
        [2, () => hostileString(prng)],
      ])();
    case 'before':
      return prng.weighted<() => string>([
        [1, () => `00017${'0'.repeat(10)}-0000-0123abcd`],
        [1, () => '0'.repeat(prng.pick([14, 15, 16]))],
        [2, () => hostileString(prng)],
      ])();
    case 'limit':
      return prng.pick([
        '0',
        '1',
        '100',
        '101',
        '-1',
        '1e2',
        '0x10',
        '99999999999999999999',
        '',
        ' 5',
        '5 ',
        '٣',
      ]);
    default:
      return hostileString(prng);
  }
}

function generateQuery(prng: Prng, route: RouteSpec): QueryPart[] {
  const parts: QueryPart[] = [];
  for (const name of route.query ?? []) {
    if (prng.chance(0.6)) parts.push({ name, value: queryValue(prng, name) });
    if (prng.chance(0.08)) parts.push({ name, value: queryValue(prng, name) }); // twice
    if (prng.chance(0.05)) parts.push({ name: `${name}[$ne]`, value: '' });
  }
  if (prng.chance(0.25)) {
    const name = prng.pick([
      '__proto__',
      'constructor[prototype][x]',
      '__proto__[admin]',
      '$where',
      'x',
      'sort',
      'a'.repeat(5000),
      '',
    ]);
    parts.push({ name, value: hostileString(prng) });
  }
  if (prng.chance(0.05)) {
    // broken escapes, and bytes that are not UTF-8 at all (sent as they are)
    parts.push({
      name: 'x',
      value: prng.pick(['%E0%A4%A%', '\xff\xfe', '%C0%AF', '%00', '%']),
      raw: true,
    });
  }
  if (prng.chance(0.03)) {
    for (let i = 0; i < 2000; i++) parts.push({ name: `p${i}`, value: '1' });
  }
  return parts;
}

/**
 * The methods that make a request to `route`'s path miss it. A method another route serves on
 * the same path is not one of them: `POST /delete/:id` is that route's write, not GET's wrong
 * method (it deleted a fixture post, unclassified as a write, until this).
 */
function wrongMethodsFor(route: RouteSpec): string[] {
  return METHODS_INSTEAD.filter(
    (method) => !ROUTES.some((other) => other.path === route.path && other.method === method),
  );
}

/**
 * Case `index` of a run: its own PRNG from (seed, phase, index), so any case can be rebuilt
 * alone. Routes take turns, so every route gets its share. A write case is always given at
 * least one part that makes it fail (listed in refusedBecause).
 */
export function generateCase(seed: number, phase: string, index: number): HostileCase {
  const prng = casePrng(seed, phase, index);
  const route = ROUTES[index % ROUTES.length];
  const method = prng.chance(0.05) ? prng.pick(wrongMethodsFor(route)) : route.method;
  const routed = method === route.method || (method === 'HEAD' && route.method === 'GET');
  let caller = generateCaller(prng);
  let target = route.param ? generateTarget(prng, route.param) : undefined;
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const withCsrf =
    caller.csrfIn === 'body' && caller.csrf !== 'missing'
      ? caller.csrf === 'duplicated'
        ? 'duplicated'
        : true
      : false;
  const body = hasBody
    ? generateBody(prng, route, actingAs(caller) !== undefined, withCsrf)
    : undefined;
  const hc: HostileCase = {
    phase,
    index,
    route: routeKey(route),
    method,
    pathChange: prng.chance(0.06)
      ? prng.pick([
          'trailing-slash',
          'upper',
          'double-slash',
          'dot-segment',
          'encoded-letter',
        ] as const)
      : undefined,
    target,
    query: generateQuery(prng, route),
    caller,
    accept: prng.chance(0.9) ? prng.pick(ACCEPTS) : undefined,
    headers: extraHeaders(prng),
    body,
    refusedBecause: [],
  };
  if (route.write && routed) {
    let reasons = refusals(route, hc);
    for (let attempt = 0; reasons.length === 0 && attempt < 5; attempt++) {
      const options: string[] = ['caller'];
      if (route.param) options.push('target');
      if (route.fields && body) options.push('body', 'body');
      const pick = prng.pick(options);
      if (pick === 'caller') {
        caller = unauthorizedCaller(prng, route);
        hc.caller = caller;
        // the body's CSRF field follows the caller
        if (body) {
          body.entries = body.entries.filter(([key]) => key !== '_csrf');
          if (caller.csrfIn === 'body' && caller.csrf !== 'missing')
            body.entries.unshift(['_csrf', { t: 'csrf' }]);
        }
      } else if (pick === 'target' && route.param) {
        target = invalidTarget(prng, route.param);
        hc.target = target;
      } else if (body) {
        invalidateBody(prng, route, actingAs(caller) !== undefined, body);
      }
      reasons = refusals(route, hc);
    }
    if (reasons.length === 0) {
      throw new Error(`generator bug: case ${phase}#${index} (${hc.route}) could be a valid write`);
    }
    hc.refusedBecause = reasons;
  }
  return hc;
}

/** Why this write certainly changes nothing (empty: it might succeed). */
export function refusals(route: RouteSpec, hc: HostileCase): string[] {
  const reasons: string[] = [];
  if (route.cannotSucceed) reasons.push(route.cannotSucceed);
  if (!mayWrite(hc.caller, route)) reasons.push('the caller may not write here');
  const target = hc.target;
  if (target && (target.kind === 'missing' || target.kind === 'hostile')) {
    reasons.push(`no such ${route.param}`);
  }
  if (route.owned && target?.kind === 'post-admin' && actingAs(hc.caller) === 'author') {
    reasons.push("another account's post");
  }
  if (route.fields) {
    const refused = hc.body
      ? bodyRefusal(route, actingAs(hc.caller) !== undefined, hc.body)
      : 'no body';
    if (refused) reasons.push(refused);
  }
  return reasons;
}
