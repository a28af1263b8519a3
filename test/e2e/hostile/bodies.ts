import { Prng } from './prng';
import { FieldSpec, RouteSpec } from './routes';
import { hostileJsonValue, hostileString, operatorObject, PROTOTYPE_KEYS, rawJson } from './values';

/** A field's value before encoding. `csrf` is the caller's token, filled in at run time. */
export type FieldValue =
  | { t: 'str'; v: string }
  | { t: 'val'; v: unknown }
  | { t: 'raw'; v: string }
  | { t: 'arr'; v: string[] }
  | { t: 'obj'; v: Record<string, string> }
  | { t: 'csrf' };

/** How the body goes on the wire. The ones after `form` never parse into a valid form. */
export const ENCODINGS = [
  'json',
  'form',
  'none',
  'text-plain',
  'multipart',
  'json-as-form',
  'json-top-level',
  'malformed-json',
  'gzip-garbage',
  'bad-charset',
  'oversize',
] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface BodyPlan {
  encoding: Encoding;
  /** in order; duplicated keys allowed (JSON: the last wins; form: they make an array) */
  entries: [string, FieldValue][];
  /** raw bytes put inside the first string value (bad UTF-8), JSON and form only */
  badBytes?: number[];
  /** json-top-level / malformed-json: the exact text */
  text?: string;
  /** Content-Type, when the encoding leaves a choice */
  contentType?: string;
}

const TOP_LEVEL = ['[]', '"title"', '123', 'null', 'true', '[{"title":"a","content":"b"}]'];
const MALFORMED = [
  '{',
  '{"title":',
  "{'title':'a'}",
  '{"title":"a",}',
  '{"title":"a" "content":"b"}',
  '{"title":NaN}',
  '{/*c*/"title":"a"}',
  '{"title":"\\x41"}',
  '{"title":"\\ud800"',
  '\ufeff{"title":"a"}',
  ']',
];
const BAD_BYTES = [
  [0xff],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xf0, 0x28, 0x8c, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
];

/** Unknown keys a form certainly refuses (whitelist), and keys it may drop silently. */
const UNKNOWN_KEYS = [
  'x',
  'isAdmin',
  'owner',
  'ownerId',
  'id',
  '_id',
  '$where',
  'createdAt',
  'a.b',
  'role2',
];
const MAYBE_DROPPED_KEYS = new Set(['__proto__', 'constructor', '']);

/** The fields a caller's form has: a signed-in reader's comment has no name. */
export function formFields(route: RouteSpec, signedIn: boolean): FieldSpec[] {
  return (route.fields ?? []).filter((field) => !(field.commenter && signedIn));
}

/** A valid body for the route (as far as its form goes), then 0-3 hostile changes. */
export function generateBody(
  prng: Prng,
  route: RouteSpec,
  signedIn: boolean,
  withCsrf: boolean | 'duplicated',
): BodyPlan {
  const entries: [string, FieldValue][] = formFields(route, signedIn)
    .filter((field) => field.required || field.commenter || prng.chance(0.5))
    .map((field) => [field.name, { t: 'str', v: field.valid }]);
  const encoding = prng.weighted<Encoding>([
    [10, 'json'],
    [7, 'form'],
    [1, 'none'],
    [1, 'text-plain'],
    [1, 'multipart'],
    [1, 'json-as-form'],
    [1, 'json-top-level'],
    [1, 'malformed-json'],
    [1, 'gzip-garbage'],
    [1, 'bad-charset'],
    [1, 'oversize'],
  ]);
  const body: BodyPlan = { encoding, entries };
  const changes = prng.weighted([
    [2, 0],
    [4, 1],
    [2, 2],
    [1, 3],
  ]);
  for (let i = 0; i < changes; i++) hostileChange(prng, route, body);
  // the CSRF token goes first: a change never removes it, and a later duplicate (JSON) wins
  if (withCsrf) {
    entries.unshift(['_csrf', { t: 'csrf' }]);
    if (withCsrf === 'duplicated') entries.push(['_csrf', { t: 'csrf' }]);
  }
  if (encoding === 'json-top-level') body.text = prng.pick(TOP_LEVEL);
  if (encoding === 'malformed-json') body.text = prng.pick(MALFORMED);
  if ((encoding === 'json' || encoding === 'form') && prng.chance(0.1)) {
    body.badBytes = prng.pick(BAD_BYTES);
  }
  body.contentType = contentTypeFor(prng, encoding);
  return body;
}

function contentTypeFor(prng: Prng, encoding: Encoding): string | undefined {
  switch (encoding) {
    case 'json':
    case 'json-top-level':
    case 'malformed-json':
    case 'gzip-garbage':
      return prng.pick(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON']);
    case 'form':
      return prng.pick([
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=UTF-8',
      ]);
    case 'none':
      return undefined;
    case 'text-plain':
      return prng.pick(['text/plain', 'text/html', 'application/xml', 'application/octet-stream']);
    case 'multipart':
      return 'multipart/form-data; boundary=XyZ';
    case 'json-as-form':
      return 'application/x-www-form-urlencoded';
    case 'bad-charset':
      return prng.pick([
        // (not utf-7: the JSON parser takes every utf-* charset)
        'application/json; charset=x-bogus',
        'application/json; charset=latin9',
        'application/x-www-form-urlencoded; charset=x-bogus',
      ]);
    case 'oversize':
      return prng.pick(['application/json', 'application/x-www-form-urlencoded']);
  }
}

/** One hostile change that may or may not make the body invalid. */
function hostileChange(prng: Prng, route: RouteSpec, body: BodyPlan): void {
  const fields = route.fields ?? [];
  const field = fields.length > 0 ? prng.pick(fields) : undefined;
  const set = (value: FieldValue) => {
    if (!field) return;
    body.entries = body.entries.filter(([key]) => key !== field.name);
    body.entries.push([field.name, value]);
  };
  prng.weighted<() => void>([
    [4, () => set({ t: 'str', v: hostileString(prng, { huge: true }) })],
    [3, () => set({ t: 'val', v: hostileJsonValue(prng) })],
    [2, () => set({ t: 'obj', v: stringRecord(operatorObject(prng)) })],
    [2, () => set({ t: 'raw', v: rawJson(prng) })],
    [1, () => set({ t: 'arr', v: [field?.valid ?? 'a', hostileString(prng)] })],
    [1, () => set({ t: 'str', v: `  ${field?.valid ?? ''}\t` })],
    // null passes an optional field's type check: what does the code after it do with null?
    [1, () => set({ t: 'val', v: null })],
    // a duplicate: JSON keeps the last, a form makes an array
    [1, () => field && body.entries.push([field.name, { t: 'str', v: field.valid }])],
    [2, () => body.entries.push([prng.pick(PROTOTYPE_KEYS), { t: 'raw', v: rawJson(prng) }])],
    [
      1,
      () => body.entries.push([prng.pick(UNKNOWN_KEYS), { t: 'val', v: hostileJsonValue(prng) }]),
    ],
    [1, () => field && (body.entries = body.entries.filter(([key]) => key !== field.name))],
    [1, () => body.entries.reverse()],
  ])();
}

function stringRecord(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

/** Makes the body certainly invalid for the route's form (the change is said in the answer). */
export function invalidateBody(
  prng: Prng,
  route: RouteSpec,
  signedIn: boolean,
  body: BodyPlan,
): string {
  const fields = formFields(route, signedIn);
  // bad bytes could land in any value: judged as maybe valid, so they go
  delete body.badBytes;
  const choice = prng.weighted<string>([
    [3, 'field'],
    [1, 'unknown-key'],
    [1, 'missing'],
    [2, 'type'],
    [2, 'encoding'],
  ]);
  const required = fields.filter((field) => field.required || (field.commenter && !signedIn));
  if (choice === 'encoding') {
    body.encoding = prng.pick([
      'none',
      'text-plain',
      'multipart',
      'json-as-form',
      'json-top-level',
      'malformed-json',
      'gzip-garbage',
      'bad-charset',
      'oversize',
    ] as const);
    body.contentType = contentTypeFor(prng, body.encoding);
    if (body.encoding === 'json-top-level') body.text = prng.pick(TOP_LEVEL);
    if (body.encoding === 'malformed-json') body.text = prng.pick(MALFORMED);
    return `body sent as ${body.encoding}`;
  }
  if (choice === 'unknown-key' || fields.length === 0) {
    const key = prng.pick(UNKNOWN_KEYS);
    body.entries.push([key, { t: 'str', v: hostileString(prng) }]);
    return `unknown field ${key}`;
  }
  if (choice === 'missing' && required.length > 0) {
    const field = prng.pick(required);
    body.entries = body.entries.filter(([key]) => key !== field.name);
    return `${field.name} missing`;
  }
  const field = prng.pick(fields);
  const put = (value: FieldValue) => {
    body.entries = body.entries.filter(([key]) => key !== field.name);
    body.entries.push([field.name, value]);
  };
  if (choice === 'type') {
    put(
      prng.chance(0.5)
        ? { t: 'arr', v: [field.valid, field.valid] }
        : { t: 'obj', v: stringRecord(operatorObject(prng)) },
    );
    return `${field.name} is not text`;
  }
  const candidates = [
    ...(field.badValues ?? []),
    '',
    ' \t ',
    'a\u0001b',
    'a\u0000b',
    'é'.repeat(50_001),
  ];
  for (let tries = 0; tries < 8; tries++) candidates.push(hostileString(prng, { huge: true }));
  const bad = candidates.filter((value) => field.invalid(value));
  if (bad.length === 0) {
    put({ t: 'arr', v: [field.valid, field.valid] });
    return `${field.name} is not text`;
  }
  const value = prng.pick(bad);
  put({ t: 'str', v: value });
  return `${field.name} is invalid`;
}

/**
 * Why the body certainly fails the route's form check, or undefined when it may pass. Mirrors
 * the app's rules conservatively (see FieldSpec.invalid).
 */
export function bodyRefusal(
  route: RouteSpec,
  signedIn: boolean,
  body: BodyPlan,
): string | undefined {
  if (body.encoding !== 'json' && body.encoding !== 'form') return `body sent as ${body.encoding}`;
  if (body.badBytes) return undefined; // decoded bytes may land anywhere: judge nothing
  const fields = formFields(route, signedIn);
  const all = route.fields ?? [];
  const effective = new Map<string, FieldValue>();
  const counts = new Map<string, number>();
  for (const [key, value] of body.entries) {
    counts.set(key, (counts.get(key) ?? 0) + 1);
    effective.set(key, value);
  }
  for (const [key, value] of effective) {
    if (key === '_csrf' || MAYBE_DROPPED_KEYS.has(key)) continue;
    const field = all.find((f) => f.name === key);
    if (!field) return `unknown field ${key}`;
    if (field.commenter && signedIn) return 'a signed-in comment names its commenter';
    if (!fields.includes(field)) continue;
    const twice = body.encoding === 'form' && (counts.get(key) ?? 0) > 1;
    if (twice || valueRefused(field, value, body.encoding)) return `${key} is invalid`;
  }
  for (const field of fields) {
    const needed = field.required || (field.commenter && !signedIn);
    if (needed && !effective.has(field.name)) return `${field.name} missing`;
  }
  return undefined;
}

function valueRefused(field: FieldSpec, value: FieldValue, encoding: Encoding): boolean {
  switch (value.t) {
    case 'csrf':
      return false;
    case 'str':
      return field.invalid(value.v);
    case 'arr':
      return value.v.length > 0;
    case 'obj': {
      const keys = Object.keys(value.v);
      return encoding === 'json'
        ? true
        : keys.some(
            (key) =>
              /^[$a-z0-9]+$/i.test(key) && !MAYBE_DROPPED_KEYS.has(key) && key !== 'prototype',
          );
    }
    case 'raw':
      // JSON: never a string (objects, arrays, numbers); a form sends the text itself
      return encoding === 'json'
        ? !(field.safeIntegerOk && /^-?\d+$/.test(value.v))
        : field.invalid(value.v);
    case 'val':
      if (encoding === 'form') return field.invalid(formText(value.v));
      if (value.v === null) return !field.optional;
      if (typeof value.v === 'string') return field.invalid(value.v);
      if (typeof value.v === 'number' && field.safeIntegerOk) return !Number.isSafeInteger(value.v);
      return true;
  }
}

/** How a non-string JSON value is written in a form: its text (null as empty). */
export function formText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
