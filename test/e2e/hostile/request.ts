import { BodyPlan, FieldValue, formText } from './bodies';
import { CallerPlan } from './callers';
import { HostileCase } from './cases';
import { RawRequest } from './raw-http';
import { ROUTES, routeKey } from './routes';
import { derivedValue, encodeSegment, pct } from './targets';

/** One signed-in browser of the run: its cookie value and the `_csrf` of its forms. */
export interface BrowserFixture {
  cookie: string;
  csrf: string;
}

/** What the symbolic cases are resolved against: made in the app before the first digest. */
export interface Fixtures {
  port: number;
  posts: { author: string; admin: string };
  comment: string;
  usernames: { author: string; admin: string };
  tokens: { author: string; admin: string };
  sessions: { author: BrowserFixture; admin: BrowserFixture };
  visitor: BrowserFixture;
}

function targetValue(hc: HostileCase, fx: Fixtures): Buffer | undefined {
  const target = hc.target;
  if (!target) return undefined;
  const fixture = (kind: string): string => {
    switch (kind) {
      case 'post-author':
        return fx.posts.author;
      case 'post-admin':
        return fx.posts.admin;
      case 'comment':
        return fx.comment;
      case 'user-author':
        return fx.usernames.author;
      default:
        return fx.usernames.admin;
    }
  };
  switch (target.kind) {
    case 'missing':
      return Buffer.from(target.value);
    case 'hostile':
      return encodeSegment(target.value, target.encoding);
    case 'derived':
      return Buffer.from(derivedValue(fixture(target.of), target.change), 'latin1');
    default:
      return Buffer.from(fixture(target.kind));
  }
}

function routePath(hc: HostileCase): string {
  const route = ROUTES.find((r) => routeKey(r) === hc.route);
  if (!route) throw new Error(`no route ${hc.route}`);
  let path = route.path;
  switch (hc.pathChange) {
    case 'trailing-slash':
      return `${path}/`;
    case 'upper':
      return path.replace(/^\/[a-z]+/, (part) => part.toUpperCase());
    case 'double-slash':
      return `/${path}`;
    case 'dot-segment':
      return `/.${path}`;
    case 'encoded-letter':
      path = path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
      return path;
    default:
      return path;
  }
}

function target(hc: HostileCase, fx: Fixtures): Buffer {
  const path = routePath(hc);
  const value = targetValue(hc, fx);
  const pieces: Buffer[] = [];
  const param = /:[a-z]+/.exec(path);
  if (param && value) {
    pieces.push(
      Buffer.from(path.slice(0, param.index)),
      value,
      Buffer.from(path.slice(param.index + param[0].length)),
    );
  } else {
    pieces.push(Buffer.from(path));
  }
  if (hc.query.length > 0) {
    const query = hc.query.map(
      (part) => `${pct(part.name)}=${part.raw ? part.value : pct(part.value)}`,
    );
    pieces.push(Buffer.from(`?${query.join('&')}`, 'latin1'));
  }
  return Buffer.concat(pieces);
}

function csrfValue(caller: CallerPlan, fx: Fixtures): unknown {
  const own =
    caller.via === 'session'
      ? fx.sessions[caller.who === 'admin' ? 'admin' : 'author'].csrf
      : fx.visitor.csrf;
  switch (caller.csrf) {
    case 'valid':
    case 'duplicated':
      return own;
    case 'other':
      return own === fx.visitor.csrf ? fx.sessions.admin.csrf : fx.visitor.csrf;
    case 'wrong':
      return 'A'.repeat(43);
    case 'hostile':
      return [own.slice(0, 10), { $ne: null }];
    case 'missing':
      return undefined;
  }
}

function callerHeaders(caller: CallerPlan, fx: Fixtures): [string, string][] {
  const headers: [string, string][] = [];
  const host = `127.0.0.1:${fx.port}`;
  if (caller.via === 'session') {
    headers.push([
      'Cookie',
      `sid=${fx.sessions[caller.who === 'admin' ? 'admin' : 'author'].cookie}`,
    ]);
  } else if (caller.who === 'visitor') {
    headers.push(['Cookie', `visitor=${fx.visitor.cookie}`]);
  } else if (caller.via === 'bad-session') {
    headers.push(['Cookie', `sid=${caller.badSession ?? ''}`]);
  }
  if (caller.via === 'token')
    headers.push([
      'Authorization',
      `Bearer ${fx.tokens[caller.who === 'admin' ? 'admin' : 'author']}`,
    ]);
  if (caller.via === 'bad-token' && caller.badAuthorization) {
    const bad = caller.badAuthorization;
    const token = fx.tokens.author;
    const value =
      bad.kind === 'text'
        ? bad.value
        : bad.kind === 'token-plus'
          ? `Bearer ${token}${bad.suffix}`
          : bad.kind === 'token-cut'
            ? `Bearer ${token.slice(0, -1)}`
            : bad.kind === 'token-lowercase-scheme'
              ? `bearer ${token}`
              : `Bearer ${fx.sessions.author.cookie}x`;
    headers.push(['Authorization', value.replace(/[\r\n]/g, ' ')]);
  }
  if (caller.csrfIn === 'header' && caller.csrf !== 'missing') {
    const csrf = csrfValue(caller, fx);
    headers.push(['X-CSRF-Token', typeof csrf === 'string' ? csrf : JSON.stringify(csrf)]);
    if (caller.csrf === 'duplicated') headers.push(['X-CSRF-Token', String(csrf)]);
  }
  const origins: Record<CallerPlan['origin'], string | undefined> = {
    none: undefined,
    same: `http://${host}`,
    foreign: 'http://evil.example',
    null: 'null',
    garbage: '::::',
  };
  const origin = origins[caller.origin];
  if (origin !== undefined) headers.push(['Origin', origin]);
  return headers;
}

function jsonText(value: FieldValue, csrf: unknown): string {
  switch (value.t) {
    case 'csrf':
      return JSON.stringify(csrf ?? null);
    case 'raw':
      return value.v;
    default:
      return JSON.stringify(value.v) ?? 'null';
  }
}

function formParts(key: string, value: FieldValue, csrf: unknown): string[] {
  const k = pct(key);
  switch (value.t) {
    case 'csrf':
      if (Array.isArray(csrf)) return csrf.map((c) => `${k}=${pct(formText(c))}`);
      return [`${k}=${pct(formText(csrf))}`];
    case 'str':
      return [`${k}=${pct(value.v)}`];
    case 'raw':
      return [`${k}=${pct(value.v)}`];
    case 'val':
      return [`${k}=${pct(formText(value.v))}`];
    case 'arr':
      return value.v.length === 1
        ? [`${k}%5B%5D=${pct(value.v[0])}`]
        : value.v.map((v) => `${k}=${pct(v)}`);
    case 'obj':
      return Object.entries(value.v).map(([sub, v]) => `${k}%5B${pct(sub)}%5D=${pct(v)}`);
  }
}

/** Puts the bad bytes inside the first string value of an encoded body. */
function withBadBytes(text: string, bytes: number[] | undefined, json: boolean): Buffer {
  const buffer = Buffer.from(text, 'utf8');
  if (!bytes) return buffer;
  const at = json ? buffer.indexOf('":"') + 3 : buffer.indexOf('=') + 1;
  if (at <= 2) return buffer;
  return Buffer.concat([buffer.subarray(0, at), Buffer.from(bytes), buffer.subarray(at)]);
}

const OVERSIZE = 1024 * 1024 + 1024;

function bodyBytes(body: BodyPlan, csrf: unknown): { bytes: Buffer; headers: [string, string][] } {
  const headers: [string, string][] = [];
  if (body.contentType) headers.push(['Content-Type', body.contentType]);
  const json = () =>
    `{${body.entries.map(([key, value]) => `${JSON.stringify(key)}:${jsonText(value, csrf)}`).join(',')}}`;
  const form = () => body.entries.flatMap(([key, value]) => formParts(key, value, csrf)).join('&');
  let bytes: Buffer;
  switch (body.encoding) {
    case 'json':
      bytes = withBadBytes(json(), body.badBytes, true);
      break;
    case 'form':
      bytes = withBadBytes(form(), body.badBytes, false);
      break;
    case 'none':
      bytes = Buffer.alloc(0);
      break;
    case 'json-top-level':
    case 'malformed-json':
      bytes = Buffer.from(body.text ?? '', 'utf8');
      break;
    case 'multipart':
      bytes = Buffer.from(
        `--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--XyZ--\r\n`,
      );
      break;
    case 'gzip-garbage':
      headers.push(['Content-Encoding', 'gzip']);
      bytes = Buffer.from(json());
      break;
    case 'oversize': {
      const isForm = body.contentType?.startsWith('application/x-www-form-urlencoded');
      const base = isForm ? `${form()}&content=` : `{"content":"`;
      bytes = Buffer.from(`${base}${'a'.repeat(OVERSIZE)}${isForm ? '' : '"}'}`);
      break;
    }
    default:
      bytes = Buffer.from(json());
  }
  headers.push(['Content-Length', String(bytes.length)]);
  return { bytes, headers };
}

/** The case as bytes on the wire, against this run's fixtures. */
export function buildRequest(hc: HostileCase, fx: Fixtures): RawRequest {
  const headers: [string, string | Buffer][] = [...callerHeaders(hc.caller, fx)];
  if (hc.accept !== undefined) headers.push(['Accept', hc.accept]);
  let body: Buffer = Buffer.alloc(0);
  if (hc.body) {
    const built = bodyBytes(
      hc.body,
      hc.caller.csrfIn === 'body' ? csrfValue(hc.caller, fx) : undefined,
    );
    headers.push(...built.headers);
    body = built.bytes;
  }
  for (const [name, value] of hc.headers) {
    headers.push([
      name,
      typeof value === 'string' ? value.replace(/[\r\n]/g, ' ') : Buffer.from(value),
    ]);
  }
  return { method: hc.method, target: target(hc, fx), headers, body };
}

/** The request for a failure message: readable, long values shortened, enough to replay. */
export function describeRequest(request: RawRequest): string {
  const short = (text: string) =>
    text.length > 300 ? `${text.slice(0, 200)}…(${text.length} chars)…${text.slice(-40)}` : text;
  const lines = [`${request.method} ${short(JSON.stringify(request.target.toString('latin1')))}`];
  for (const [name, value] of request.headers) {
    lines.push(`  ${name}: ${short(JSON.stringify(Buffer.from(value).toString('latin1')))}`);
  }
  if (request.body.length > 0) {
    lines.push(
      `  body (${request.body.length} bytes): ${short(JSON.stringify(request.body.toString('latin1')))}`,
    );
  }
  return lines.join('\n');
}
