import { ConfigError, loadConfig } from '../../../src/config/app-config';
import { DEFAULT_BODY_LIMIT } from '../../../src/common/validation/body-limits';

function problemFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('HTTP input limits and server timeouts (config)', () => {
  it('defaults: the largest form as body limit, keep-alive 65 s under headers 66 s, requests 5 min', () => {
    expect(loadConfig({})).toMatchObject({
      httpBodyLimit: DEFAULT_BODY_LIMIT,
      httpKeepAliveTimeoutMs: 65_000,
      httpHeadersTimeoutMs: 66_000,
      httpRequestTimeoutMs: 300_000,
    });
  });

  it.each([
    ['2mb', 2 * 1024 * 1024],
    ['640kb', 655_360],
    ['700000', 700_000],
    ['4096B', 4096],
  ])('reads HTTP_BODY_LIMIT=%s as %d bytes', (raw, bytes) => {
    expect(loadConfig({ HTTP_BODY_LIMIT: raw }).httpBodyLimit).toBe(bytes);
  });

  it('reads the timeouts as durations; HTTP_REQUEST_TIMEOUT=0 means none', () => {
    const config = loadConfig({
      HTTP_KEEP_ALIVE_TIMEOUT: '2m',
      HTTP_HEADERS_TIMEOUT: '125s',
      HTTP_REQUEST_TIMEOUT: '0',
    });
    expect(config).toMatchObject({
      httpKeepAliveTimeoutMs: 120_000,
      httpHeadersTimeoutMs: 125_000,
      httpRequestTimeoutMs: 0,
    });
  });

  it.each([
    [{ HTTP_BODY_LIMIT: '1mib' }, 'HTTP_BODY_LIMIT must be a size from 1kb to 64mb'],
    [{ HTTP_BODY_LIMIT: '100' }, 'HTTP_BODY_LIMIT must be a size from 1kb to 64mb'],
    [{ HTTP_BODY_LIMIT: '65mb' }, 'HTTP_BODY_LIMIT must be a size from 1kb to 64mb'],
    [
      { HTTP_KEEP_ALIVE_TIMEOUT: '500ms' },
      'HTTP_KEEP_ALIVE_TIMEOUT must be a duration from 1s to 1h',
    ],
    [{ HTTP_KEEP_ALIVE_TIMEOUT: '2h' }, 'HTTP_KEEP_ALIVE_TIMEOUT must be a duration from 1s to 1h'],
    [
      { HTTP_HEADERS_TIMEOUT: '60s' },
      'HTTP_HEADERS_TIMEOUT must be a duration above HTTP_KEEP_ALIVE_TIMEOUT',
    ],
    [
      { HTTP_REQUEST_TIMEOUT: '30s' },
      'HTTP_REQUEST_TIMEOUT must be 0 (none) or a duration at least',
    ],
  ])('refuses %j in one line naming the variable', (env, message) => {
    const problem = problemFor(env);
    expect(problem).toContain(message);
    expect(problem).not.toContain('\n');
  });
});
