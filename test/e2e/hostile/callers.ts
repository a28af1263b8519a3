import { Prng } from './prng';
import { RouteSpec } from './routes';
import { hostileString } from './values';

/**
 * Who sends a case, symbolically (resolved against the run's fixtures when the request is
 * built): nobody, an anonymous visitor with its cookie, the author or the admin signed in with a
 * session or a bearer token, or someone with a broken token or session cookie.
 */
export interface CallerPlan {
  who: 'nobody' | 'visitor' | 'author' | 'admin';
  via: 'none' | 'session' | 'token' | 'bad-token' | 'bad-session';
  /** valid: the token bound to this caller's cookie; other: another browser's valid token */
  csrf: 'valid' | 'missing' | 'wrong' | 'other' | 'hostile' | 'duplicated';
  csrfIn: 'body' | 'header';
  origin: 'none' | 'same' | 'foreign' | 'null' | 'garbage';
  /** the Authorization header of a bad-token caller (made from a real token when it says so) */
  badAuthorization?: BadAuthorization;
  /** the sid cookie of a bad-session caller */
  badSession?: string;
}

export type BadAuthorization =
  | { kind: 'text'; value: string }
  | { kind: 'token-plus'; suffix: string }
  | { kind: 'token-cut' }
  | { kind: 'token-lowercase-scheme' }
  | { kind: 'session-as-token' };

const BAD_AUTHORIZATIONS = [
  'Bearer',
  'Bearer ',
  'Bearer x',
  'Bearer ..',
  'Bearer a.b',
  'Basic YWRtaW46YWRtaW4=',
  'Token abc',
  'Bearer ' + 'A'.repeat(201),
  'Bearer 000000000000000000000000.' + 'A'.repeat(43),
  'Bearer {"$ne":null}',
  'Bearer null',
  'Bearer undefined',
  'Bearer a.b, Bearer c.d',
  'Bearer\tabc.def',
];

const BAD_SESSIONS = [
  '',
  'x',
  '.',
  'abc.def',
  '000000000000000000000000.' + 'A'.repeat(43),
  '%E0%A4%A',
  '%00',
  '{"$ne":null}',
  'j:{"$gt":""}',
  's:abc.def',
  'A'.repeat(4000),
];

export function generateCaller(prng: Prng): CallerPlan {
  const [who, via] = prng.weighted<[CallerPlan['who'], CallerPlan['via']]>([
    [2, ['nobody', 'none']],
    [2, ['visitor', 'none']],
    [3, ['author', 'session']],
    [3, ['admin', 'session']],
    [2, ['author', 'token']],
    [2, ['admin', 'token']],
    [1, ['nobody', 'bad-token']],
    [1, ['nobody', 'bad-session']],
  ]);
  const caller: CallerPlan = {
    who,
    via,
    csrf: prng.weighted<CallerPlan['csrf']>([
      [8, 'valid'],
      [1, 'missing'],
      [1, 'wrong'],
      [1, 'other'],
      [1, 'hostile'],
      [1, 'duplicated'],
    ]),
    csrfIn: prng.chance(0.7) ? 'body' : 'header',
    origin: prng.weighted<CallerPlan['origin']>([
      [8, 'none'],
      [3, 'same'],
      [1, 'foreign'],
      [1, 'null'],
      [1, 'garbage'],
    ]),
  };
  if (via === 'bad-token') caller.badAuthorization = badAuthorization(prng);
  if (via === 'bad-session') caller.badSession = prng.pick(BAD_SESSIONS);
  return caller;
}

function badAuthorization(prng: Prng): BadAuthorization {
  return prng.weighted<() => BadAuthorization>([
    [4, () => ({ kind: 'text', value: prng.pick(BAD_AUTHORIZATIONS) })],
    [1, () => ({ kind: 'text', value: `Bearer ${hostileString(prng)}` })],
    [1, () => ({ kind: 'token-plus', suffix: prng.pick(['x', '.', '%00', '=', 'A']) })],
    [1, () => ({ kind: 'token-cut' })],
    [1, () => ({ kind: 'token-lowercase-scheme' })],
    [1, () => ({ kind: 'session-as-token' })],
  ])();
}

/** An unauthorized caller for the route: anonymous, broken credentials, no CSRF, wrong role. */
export function unauthorizedCaller(prng: Prng, route: RouteSpec): CallerPlan {
  for (;;) {
    const caller = generateCaller(prng);
    const change = prng.pick(['who', 'csrf', 'origin'] as const);
    if (change === 'csrf' && (caller.via === 'session' || caller.via === 'none')) {
      caller.csrf = prng.pick(['missing', 'wrong', 'other', 'hostile'] as const);
    } else if (change === 'origin' && caller.via !== 'token') {
      caller.origin = prng.pick(['foreign', 'null', 'garbage'] as const);
    } else if (route.access === 'admin' && prng.chance(0.5)) {
      caller.who = 'author';
    } else {
      caller.who = 'nobody';
      caller.via = prng.pick(['none', 'bad-token', 'bad-session'] as const);
      if (caller.via === 'bad-token') caller.badAuthorization = badAuthorization(prng);
      if (caller.via === 'bad-session') caller.badSession = prng.pick(BAD_SESSIONS);
    }
    if (!mayWrite(caller, route)) return caller;
  }
}

/** The account the app will see acting (undefined: anonymous, or refused with a 401 first). */
export function actingAs(caller: CallerPlan): 'author' | 'admin' | undefined {
  if (caller.via === 'session' || caller.via === 'token') {
    return caller.who === 'author' || caller.who === 'admin' ? caller.who : undefined;
  }
  return undefined;
}

/**
 * Whether the app could let this caller change something through the route (its access rule,
 * and for every write not made with a token: CSRF and Origin). Conservative: `duplicated` CSRF
 * counts as possibly valid (in JSON the last copy wins).
 */
export function mayWrite(caller: CallerPlan, route: RouteSpec): boolean {
  if (caller.via === 'bad-token') return false;
  const role = actingAs(caller);
  if (route.access === 'admin' && role !== 'admin') return false;
  if (route.access === 'signed-in' && !role) return false;
  if (caller.via === 'token') return true;
  if (caller.via === 'bad-session' || caller.who === 'nobody') return false;
  const csrfOk = caller.csrf === 'valid' || caller.csrf === 'duplicated';
  const originOk = caller.origin === 'none' || caller.origin === 'same';
  return csrfOk && originOk;
}
