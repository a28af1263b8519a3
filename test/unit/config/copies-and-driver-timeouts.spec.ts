import { ConfigError, loadConfig } from '../../../src/config/app-config';
import { cassandraClientOptions } from '../../../src/database/cassandra/cassandra-client';
import { mongooseOptions } from '../../../src/database/store-connections';

function problemFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('the bound on secondary copies and the drivers’ timeouts (settings)', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      secondaryMaxInFlight: 256,
      mongoConnectTimeoutMs: 10_000,
      mongoServerSelectionTimeoutMs: 5000,
      mongoWaitQueueTimeoutMs: 10_000,
      mongoSocketTimeoutMs: 60_000,
      cassandraConnectTimeoutMs: 5000,
      cassandraReadTimeoutMs: 12_000,
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        SECONDARY_MAX_IN_FLIGHT: '32',
        MONGO_CONNECT_TIMEOUT_MS: '3000',
        MONGO_SERVER_SELECTION_TIMEOUT_MS: '4000',
        MONGO_WAIT_QUEUE_TIMEOUT_MS: '6000',
        MONGO_SOCKET_TIMEOUT_MS: '20000',
        CASSANDRA_CONNECT_TIMEOUT_MS: '2500',
        CASSANDRA_READ_TIMEOUT_MS: '8000',
      }),
    ).toMatchObject({
      secondaryMaxInFlight: 32,
      mongoConnectTimeoutMs: 3000,
      mongoServerSelectionTimeoutMs: 4000,
      mongoWaitQueueTimeoutMs: 6000,
      mongoSocketTimeoutMs: 20_000,
      cassandraConnectTimeoutMs: 2500,
      cassandraReadTimeoutMs: 8000,
    });
  });

  it('by default the drivers outlast the app’s own timeouts when those are set longer', () => {
    const config = loadConfig({
      SECONDARY_WRITE_TIMEOUT_MS: '70000',
      HEALTH_CHECK_TIMEOUT_MS: '30000',
    });
    expect(config.mongoSocketTimeoutMs).toBe(70_000);
    expect(config.cassandraReadTimeoutMs).toBe(70_000);
    expect(loadConfig({ HEALTH_CHECK_TIMEOUT_MS: '15000' }).cassandraReadTimeoutMs).toBe(15_000);
  });

  it.each([
    ['SECONDARY_MAX_IN_FLIGHT', '0', 'an integer from 1 to 100000'],
    ['SECONDARY_MAX_IN_FLIGHT', 'lots', 'an integer from 1 to 100000'],
    ['MONGO_CONNECT_TIMEOUT_MS', '0', 'an integer from 1 to 600000'],
    ['MONGO_SERVER_SELECTION_TIMEOUT_MS', '5s', 'an integer from 1 to 600000'],
    ['MONGO_WAIT_QUEUE_TIMEOUT_MS', '600001', 'an integer from 1 to 600000'],
    ['MONGO_SOCKET_TIMEOUT_MS', '0', 'at least SECONDARY_WRITE_TIMEOUT_MS and HEALTH_CHECK'],
    ['MONGO_SOCKET_TIMEOUT_MS', '1999', 'at least SECONDARY_WRITE_TIMEOUT_MS'],
    ['CASSANDRA_CONNECT_TIMEOUT_MS', '-1', 'an integer from 1 to 600000'],
    ['CASSANDRA_READ_TIMEOUT_MS', '1500', 'at least SECONDARY_WRITE_TIMEOUT_MS'],
    ['CASSANDRA_READ_TIMEOUT_MS', '700000', 'an integer up to 600000'],
  ])('%s=%s is refused in one line naming it and what it accepts', (name, value, accepts) => {
    const message = problemFor({ [name]: value });
    expect(message).toBe(message.split('\n')[0]);
    expect(message.startsWith(`Invalid configuration: ${name} must be `)).toBe(true);
    expect(message).toContain(accepts);
    expect(message).toContain(`(got "${value}")`);
  });

  it('a driver timeout set below the app’s own timeouts is refused (it would quietly shorten them)', () => {
    expect(
      problemFor({ SECONDARY_WRITE_TIMEOUT_MS: '20000', CASSANDRA_READ_TIMEOUT_MS: '12000' }),
    ).toContain('CASSANDRA_READ_TIMEOUT_MS must be');
    expect(
      problemFor({ HEALTH_CHECK_TIMEOUT_MS: '9000', MONGO_SOCKET_TIMEOUT_MS: '8000' }),
    ).toContain('MONGO_SOCKET_TIMEOUT_MS must be');
    expect(
      loadConfig({ SECONDARY_WRITE_TIMEOUT_MS: '12000', CASSANDRA_READ_TIMEOUT_MS: '12000' })
        .cassandraReadTimeoutMs,
    ).toBe(12_000);
  });

  it('the drivers get them: every wait of an operation is bounded', () => {
    const config = loadConfig({
      MONGO_CONNECT_TIMEOUT_MS: '3000',
      MONGO_SERVER_SELECTION_TIMEOUT_MS: '4000',
      MONGO_WAIT_QUEUE_TIMEOUT_MS: '6000',
      MONGO_SOCKET_TIMEOUT_MS: '20000',
      CASSANDRA_CONNECT_TIMEOUT_MS: '2500',
      CASSANDRA_READ_TIMEOUT_MS: '8000',
    });
    expect(mongooseOptions(config)).toMatchObject({
      connectTimeoutMS: 3000,
      serverSelectionTimeoutMS: 4000,
      waitQueueTimeoutMS: 6000,
      socketTimeoutMS: 20_000,
      bufferCommands: false,
    });
    expect(cassandraClientOptions(config).socketOptions).toEqual({
      connectTimeout: 2500,
      readTimeout: 8000,
    });
  });
});
