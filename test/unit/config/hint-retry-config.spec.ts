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

describe('the hint retry’s batch and concurrency (settings)', () => {
  it('applies the documented defaults and reads both variables', () => {
    expect(loadConfig({})).toMatchObject({ hintRetryBatch: 500, hintRetryConcurrency: 32 });
    expect(loadConfig({ HINT_RETRY_BATCH: '100', HINT_RETRY_CONCURRENCY: '8' })).toMatchObject({
      hintRetryBatch: 100,
      hintRetryConcurrency: 8,
    });
  });

  it.each([
    ['HINT_RETRY_BATCH', '0', 'an integer from 1 to 10000'],
    ['HINT_RETRY_BATCH', '10001', 'an integer from 1 to 10000'],
    ['HINT_RETRY_BATCH', 'many', 'an integer from 1 to 10000'],
    ['HINT_RETRY_CONCURRENCY', '0', 'an integer from 1 to 256'],
    ['HINT_RETRY_CONCURRENCY', '2.5', 'an integer from 1 to 256'],
    ['HINT_RETRY_CONCURRENCY', '257', 'an integer from 1 to 256'],
  ])('%s=%s is refused in one line naming it and what it accepts', (name, value, accepts) => {
    const message = problemFor({ [name]: value });
    expect(message).toBe(message.split('\n')[0]);
    expect(message.startsWith(`Invalid configuration: ${name} must be `)).toBe(true);
    expect(message).toContain(accepts);
    expect(message).toContain(`(got "${value}")`);
  });
});
