import { Request } from 'express';
import { foreignOrigin } from '../../../src/auth/access.guard';
import { csrfToken, tokensMatch } from '../../../src/auth/csrf-tokens';
import { LoginThrottle } from '../../../src/auth/limits';
import { safeNextPath } from '../../../src/auth/safe-next';
import { retryAfterSeconds, SlidingWindow } from '../../../src/auth/sliding-window';
import { AppConfig, loadConfig } from '../../../src/config/app-config';

const config = (env: Record<string, string> = {}): AppConfig => loadConfig(env);

describe('safeNextPath', () => {
  it.each(['/', '/create', '/post/abc?comments=x#comments', '/edit/1?a=%2F%2F'])(
    'keeps the same-site path %j',
    (path) => expect(safeNextPath(path)).toBe(path),
  );

  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    'evil.example',
    '/\t/evil.example',
    '/\n/evil',
    '',
    '/login',
    'x'.repeat(3000),
    42,
    undefined,
  ])('refuses %j', (raw) => expect(safeNextPath(raw)).toBeUndefined());
});

describe('CSRF tokens', () => {
  const key = Buffer.from('k'.repeat(32));

  it('are bound to what they sign and to the key', () => {
    const token = csrfToken(key, 'session:a');
    expect(tokensMatch(token, csrfToken(key, 'session:a'))).toBe(true);
    expect(tokensMatch(token, csrfToken(key, 'session:b'))).toBe(false);
    expect(tokensMatch(token, csrfToken(Buffer.from('j'.repeat(32)), 'session:a'))).toBe(false);
  });

  it.each([undefined, '', 42, ['x'], { $ne: '' }, 'short'])('refuses %j', (sent) => {
    expect(tokensMatch(sent, csrfToken(key, 'visitor:x'))).toBe(false);
  });

  it('refuses anything when nothing is expected', () => {
    expect(tokensMatch('', '')).toBe(false);
    expect(tokensMatch('abc', undefined)).toBe(false);
  });
});

describe('foreignOrigin', () => {
  const req = (origin: string | undefined, host = 'blog.example:3000') =>
    ({ headers: { origin, host } }) as unknown as Request;

  it('accepts no Origin and this host', () => {
    expect(foreignOrigin(req(undefined))).toBe(false);
    expect(foreignOrigin(req('http://blog.example:3000'))).toBe(false);
  });

  it.each(['https://evil.example', 'null', 'http://blog.example:3001', 'not a url'])(
    'refuses %j',
    (origin) => expect(foreignOrigin(req(origin))).toBe(true),
  );
});

describe('SlidingWindow', () => {
  it('allows `limit` events per window, then says how long to wait', () => {
    const window = new SlidingWindow(3, 60_000);
    for (const t of [0, 10_000, 20_000]) {
      expect(window.retryAfterMs('k', t)).toBe(0);
      window.record('k', t);
    }
    expect(window.retryAfterMs('k', 30_000)).toBe(30_000);
    expect(window.retryAfterMs('k', 60_000)).toBe(0);
    expect(window.retryAfterMs('other', 30_000)).toBe(0);
  });

  it('stays bounded under a flood of keys', () => {
    const window = new SlidingWindow(2, 1000, 100);
    for (let i = 0; i < 1000; i++) window.record(`k${i}`, i);
    expect(window.size).toBeLessThanOrEqual(101);
  });

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1500)).toBe(2);
  });
});

describe('LoginThrottle', () => {
  it('locks a username after LOGIN_FAILURES_PER_USERNAME failures in the window', () => {
    const throttle = new LoginThrottle(config());
    for (let i = 0; i < 5; i++) {
      expect(throttle.retryAfterMs('ada', `10.0.0.${i}`, i)).toBe(0);
      throttle.failed('ada', `10.0.0.${i}`, i);
    }
    expect(throttle.retryAfterMs('ada', '10.0.0.99', 10)).toBeGreaterThan(14 * 60_000);
    expect(throttle.retryAfterMs('bob', '10.0.0.99', 10)).toBe(0);
    expect(throttle.retryAfterMs('ada', '10.0.0.99', 15 * 60_000 + 5)).toBe(0);
  });

  it('locks an address after LOGIN_FAILURES_PER_ADDRESS failures, whatever the names', () => {
    const throttle = new LoginThrottle(config());
    for (let i = 0; i < 20; i++) throttle.failed(`user${i}`, '10.0.0.1', i);
    expect(throttle.retryAfterMs('someone', '10.0.0.1', 30)).toBeGreaterThan(0);
    expect(throttle.retryAfterMs('someone', '10.0.0.2', 30)).toBe(0);
  });

  it("clears a username's failures when it signs in", () => {
    const throttle = new LoginThrottle(config({ LOGIN_FAILURES_PER_USERNAME: '2' }));
    throttle.failed('ada', 'a', 0);
    throttle.succeeded('ada');
    throttle.failed('ada', 'a', 1);
    expect(throttle.retryAfterMs('ada', 'b', 2)).toBe(0);
  });
});
