import { ConfigError, loadConfig } from '../../../src/config/app-config';

function problemFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('OPS_PORT and OPS_HOST', () => {
  it('are off and loopback by default (unset or empty)', () => {
    expect(loadConfig({})).toMatchObject({ opsPort: undefined, opsHost: '127.0.0.1' });
    expect(loadConfig({ OPS_PORT: ' ', OPS_HOST: '' })).toMatchObject({
      opsPort: undefined,
      opsHost: '127.0.0.1',
    });
  });

  it.each([
    [{ OPS_PORT: '9100' }, 9100, '127.0.0.1'],
    [{ OPS_PORT: '0', PORT: '0' }, 0, '127.0.0.1'],
    [{ OPS_PORT: '9100', OPS_HOST: '0.0.0.0' }, 9100, '0.0.0.0'],
    [{ OPS_PORT: '9100', OPS_HOST: '::1' }, 9100, '::1'],
    [{ OPS_PORT: '9100', OPS_HOST: 'ops.internal' }, 9100, 'ops.internal'],
  ])('reads %j', (env, port, host) => {
    expect(loadConfig(env)).toMatchObject({ opsPort: port, opsHost: host });
  });

  it.each([
    [{ OPS_PORT: '65536' }, 'OPS_PORT', '65536'],
    [{ OPS_PORT: 'metrics' }, 'OPS_PORT', 'metrics'],
    [{ OPS_PORT: '-1' }, 'OPS_PORT', '-1'],
    [{ OPS_PORT: '3000' }, 'OPS_PORT', '3000'],
    [{ OPS_PORT: '8080', PORT: '8080' }, 'OPS_PORT', '8080'],
    [{ OPS_HOST: 'http://x' }, 'OPS_HOST', 'http://x'],
    [{ OPS_HOST: 'a b' }, 'OPS_HOST', 'a b'],
  ])('refuses %j in one line naming the variable', (env, name, value) => {
    const message = problemFor(env);
    expect(message).toBe(message.split('\n')[0]);
    expect(message.startsWith(`Invalid configuration: ${name} must be `)).toBe(true);
    expect(message).toContain(`(got "${value}")`);
  });

  it('says OPS_PORT must differ from PORT', () => {
    expect(problemFor({ OPS_PORT: '3000' })).toBe(
      'Invalid configuration: OPS_PORT must be an integer from 0 to 65535, different from PORT (got "3000")',
    );
  });
});
