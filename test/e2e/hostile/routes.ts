import { NestExpressApplication } from '@nestjs/platform-express';

/** Who a route lets in (the app's @Access rule). */
export type RouteAccess = 'public' | 'signed-in' | 'admin';

/** What a route's path parameter names. */
export type ParamKind = 'post' | 'comment' | 'username';

/** The query parameters a route reads (each gets cursors, numbers, duplicates...). */
export type QueryParam =
  'sort' | 'cursor' | 'limit' | 'comments' | 'next' | 'since' | 'before' | 'refresh';

/**
 * A form field as the app validates it. `invalid` is a conservative copy of the app's rule for a
 * text value: true only when the app certainly refuses it (too long after trimming, empty, a
 * control character, not one of the choices...). A value it calls fine may still be refused.
 */
export interface FieldSpec {
  name: string;
  /** missing: refused */
  required: boolean;
  /** IsOptional: null passes the form check like a missing field */
  optional?: boolean;
  /** the comment's name: required from anonymous readers, refused from signed-in ones */
  commenter?: boolean;
  /** a JSON number passes (a post version) */
  safeIntegerOk?: boolean;
  /** a valid value, for the bodies that are otherwise valid */
  valid: string;
  invalid: (value: string) => boolean;
  /** certainly invalid values to try first (the generators add their own) */
  badValues?: string[];
}

export interface RouteSpec {
  method: 'GET' | 'POST';
  /** the Express path, as the router holds it */
  path: string;
  access: RouteAccess;
  param?: ParamKind;
  query?: QueryParam[];
  /** a state-changing route: every case must carry a part that makes it fail */
  write: boolean;
  /** the form fields (validated before anything changes) */
  fields?: FieldSpec[];
  /** edit/delete: only the post's owner or an admin may */
  owned?: boolean;
  /**
   * Why no request the suite sends can succeed on this route whatever else is true (a
   * password the suite never sends), or undefined.
   */
  cannotSucceed?: string;
}

/* eslint-disable no-control-regex -- finding control characters is the point */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const CONTROL_EXCEPT_NEWLINE_TAB = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
/* eslint-enable no-control-regex */

/** class-validator's length: a surrogate pair and a presentation selector count once / not. */
export function validatorLength(value: string): number {
  const pairs = value.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0;
  const selectors = value.match(/[\uFE0E\uFE0F]/g)?.length ?? 0;
  return value.length - pairs - selectors;
}

/** The app's text rule (trimmed, CRLF as LF): 1..max characters, no control characters. */
function textRule(max: number, multiline: boolean) {
  return (value: string): boolean => {
    const text = value.replace(/\r\n?/g, '\n').trim();
    const control = multiline ? CONTROL_EXCEPT_NEWLINE_TAB : CONTROL;
    return text.length === 0 || validatorLength(text) > max || control.test(text);
  };
}

const never = (): boolean => false;

const TITLE: FieldSpec = {
  name: 'title',
  required: true,
  valid: 'A hostile title',
  invalid: textRule(200, false),
};
const CONTENT: FieldSpec = {
  name: 'content',
  required: true,
  valid: 'Some content.\nTwo lines.',
  invalid: textRule(50_000, true),
};
const VERSION: FieldSpec = {
  name: 'version',
  required: false,
  optional: true,
  safeIntegerOk: true,
  valid: '1764000000000000',
  // '' counts as missing
  invalid: (value) =>
    value !== '' && !(/^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))),
  badValues: ['abc', '1.5', '-1', '99999999999999999', '1e3', ' 1'],
};
const COMMENT: FieldSpec = {
  name: 'comment',
  required: true,
  valid: 'A comment.',
  invalid: textRule(5_000, true),
};
const COMMENTER: FieldSpec = {
  name: 'commenter',
  required: false,
  commenter: true,
  valid: 'A reader',
  invalid: textRule(80, false),
};
const NAME: FieldSpec = {
  name: 'name',
  required: true,
  valid: 'A display name',
  invalid: (value) => {
    const text = value.trim();
    return text.length === 0 || text.length > 80 || CONTROL.test(text);
  },
};
const ROLE: FieldSpec = {
  name: 'role',
  required: true,
  valid: 'author',
  invalid: (value) => value !== 'admin' && value !== 'author',
  badValues: ['Admin', 'root', 'admin ', 'superuser', ''],
};
// a new account: the username pattern (3-32 of a-z0-9_.-) and the password length (10-1024)
const NEW_USERNAME: FieldSpec = {
  name: 'username',
  required: true,
  valid: 'hxnewaccount',
  invalid: (value) => !/^[a-z0-9_.-]{3,32}$/.test(value.trim().toLowerCase()),
  badValues: ['ab', 'has space', 'a/b', 'x'.repeat(33), 'ümlaut'],
};
const NEW_PASSWORD: FieldSpec = {
  name: 'password',
  required: true,
  valid: 'a long enough passphrase',
  invalid: (value) => value.length < 10 || value.length > 1024,
  badValues: ['short', '123456789', 'p'.repeat(1025)],
};
// sign-in and password change: the suite never sends the fixtures' password (cannotSucceed)
const LOGIN_USERNAME: FieldSpec = {
  name: 'username',
  required: true,
  valid: 'hxauthor',
  invalid: never,
};
const WRONG_PASSWORD: FieldSpec = {
  name: 'password',
  required: true,
  valid: 'not the password at all',
  invalid: never,
};
const NEXT: FieldSpec = {
  name: 'next',
  required: false,
  optional: true,
  valid: '/',
  invalid: never,
};

const PHASES = ['mongo', 'dual-write', 'cassandra-primary', 'cassandra'];
// the dashboard's phase forms: no trimming, the exact name of a phase
const TARGET_PHASE: FieldSpec = {
  name: 'target',
  required: true,
  valid: 'mongo',
  invalid: (value) => !PHASES.includes(value),
  badValues: ['Mongo', 'mongo ', 'postgres', '', 'dual_write'],
};
const FROM_PHASE: FieldSpec = {
  name: 'from',
  required: false,
  optional: true,
  valid: 'mongo',
  invalid: (value) => !PHASES.includes(value),
  badValues: ['x', ' mongo', 'CASSANDRA'],
};

const NEVER_RIGHT = 'the suite never sends a fixture account password';

/**
 * Every route of the app, with what the generators need to attack it. The suite fails when the
 * running app has a route missing here (a new route gets no free pass) or this lists one the
 * app no longer has.
 */
export const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/', access: 'public', query: ['sort', 'cursor'], write: false },
  { method: 'GET', path: '/health', access: 'public', write: false },
  { method: 'GET', path: '/api/stats', access: 'public', write: false },
  // operator views: admins on the public port (the ops port is not attacked here)
  { method: 'GET', path: '/health/details', access: 'admin', write: false },
  { method: 'GET', path: '/api/stats/details', access: 'admin', write: false },
  // Prometheus' text: admins here (METRICS_TOKEN is not set in the hostile app)
  { method: 'GET', path: '/metrics', access: 'admin', write: false },
  { method: 'GET', path: '/api/author-stats', access: 'public', write: false },
  {
    method: 'GET',
    path: '/api/posts',
    access: 'public',
    query: ['sort', 'cursor', 'limit'],
    write: false,
  },
  {
    method: 'GET',
    path: '/api/posts/:id',
    access: 'public',
    param: 'post',
    query: ['comments'],
    write: false,
  },
  {
    method: 'GET',
    path: '/post/:id',
    access: 'public',
    param: 'post',
    query: ['comments'],
    write: false,
  },
  { method: 'GET', path: '/create', access: 'signed-in', write: false },
  { method: 'GET', path: '/edit/:id', access: 'signed-in', param: 'post', write: false },
  { method: 'GET', path: '/delete/:id', access: 'signed-in', param: 'post', write: false },
  { method: 'GET', path: '/login', access: 'public', query: ['next'], write: false },
  { method: 'GET', path: '/account', access: 'signed-in', write: false },
  { method: 'GET', path: '/admin/users', access: 'admin', write: false },
  {
    method: 'GET',
    path: '/admin/audit',
    access: 'admin',
    query: ['since', 'before'],
    write: false,
  },
  {
    method: 'POST',
    path: '/create',
    access: 'signed-in',
    write: true,
    fields: [TITLE, CONTENT],
  },
  {
    method: 'POST',
    path: '/edit/:id',
    access: 'signed-in',
    param: 'post',
    owned: true,
    write: true,
    fields: [TITLE, CONTENT, VERSION],
  },
  {
    method: 'POST',
    path: '/delete/:id',
    access: 'signed-in',
    param: 'post',
    owned: true,
    write: true,
  },
  {
    method: 'POST',
    path: '/post/:id/comment',
    access: 'public',
    param: 'post',
    write: true,
    fields: [COMMENTER, COMMENT],
  },
  {
    method: 'POST',
    path: '/comment/:id/delete',
    access: 'admin',
    param: 'comment',
    write: true,
  },
  {
    method: 'POST',
    path: '/login',
    access: 'public',
    write: true,
    fields: [LOGIN_USERNAME, WRONG_PASSWORD, NEXT],
    cannotSucceed: NEVER_RIGHT,
  },
  { method: 'POST', path: '/logout', access: 'public', write: true },
  { method: 'POST', path: '/account/name', access: 'signed-in', write: true, fields: [NAME] },
  {
    method: 'POST',
    path: '/account/password',
    access: 'signed-in',
    write: true,
    fields: [
      { ...WRONG_PASSWORD, name: 'current' },
      { ...NEW_PASSWORD, invalid: never },
    ],
    cannotSucceed: NEVER_RIGHT,
  },
  {
    method: 'POST',
    path: '/admin/users',
    access: 'admin',
    write: true,
    fields: [NEW_USERNAME, { ...NAME, required: false, optional: true }, ROLE, NEW_PASSWORD],
  },
  {
    method: 'POST',
    path: '/api/users',
    access: 'admin',
    write: true,
    fields: [NEW_USERNAME, { ...NAME, required: false, optional: true }, ROLE, NEW_PASSWORD],
  },
  {
    method: 'POST',
    path: '/admin/users/:username/role',
    access: 'admin',
    param: 'username',
    write: true,
    fields: [ROLE],
  },
  {
    method: 'POST',
    path: '/admin/users/:username/disable',
    access: 'admin',
    param: 'username',
    write: true,
  },
  {
    method: 'POST',
    path: '/admin/users/:username/enable',
    access: 'admin',
    param: 'username',
    write: true,
  },
  { method: 'GET', path: '/admin/migration', access: 'admin', query: ['refresh'], write: false },
  // the review changes nothing, but it is a POST with CSRF like any form: attacked as a write
  {
    method: 'POST',
    path: '/admin/migration/phase',
    access: 'admin',
    write: true,
    fields: [TARGET_PHASE],
  },
  {
    method: 'POST',
    path: '/admin/migration/phase/confirm',
    access: 'admin',
    write: true,
    fields: [TARGET_PHASE, FROM_PHASE],
  },
];

export function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** The routes the running app serves, read from its Express router ("GET /post/:id"...). */
export function appRoutes(app: NestExpressApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router?: { stack: ExpressLayer[] };
    _router?: { stack: ExpressLayer[] };
  };
  const router = express.router ?? express._router;
  if (!router) throw new Error('cannot read the Express router of the app');
  const keys = new Set<string>();
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') keys.add(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return [...keys].sort();
}

/** Routes the app serves that the suite has no generator for, and specs for routes it lacks. */
export function coverageGaps(served: string[]): { uncovered: string[]; stale: string[] } {
  const specified = new Set(ROUTES.map(routeKey));
  const live = new Set(served);
  return {
    uncovered: served.filter((key) => !specified.has(key)),
    stale: [...specified].filter((key) => !live.has(key)),
  };
}
