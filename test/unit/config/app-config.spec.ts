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

const SECRET = 'a-test-secret-of-more-than-32-characters';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      nodeEnv: 'development',
      mongoUrl: 'mongodb://127.0.0.1:27017/blog',
      cassandraContactPoints: ['127.0.0.1:9042'],
      cassandraLocalDc: 'datacenter1',
      cassandraKeyspace: 'blog',
      cassandraReplication: '1',
      migrationPhase: 'dual-write',
      healthCheckTimeoutMs: 2000,
      secondaryWriteTimeoutMs: 2000,
      statsMaxAgeMs: 15000,
      hintRetryIntervalMs: 10_000,
      reconcileIntervalMs: 3_600_000,
      phasePollIntervalMs: 1000,
      migrationsDir: undefined,
    });
    expect(config.mongoDatabase).toBe('blog');
    expect(config.stores).toEqual({ mongo: true, cassandra: true });
    expect(config.replicationCql).toBe("{'class': 'SimpleStrategy', 'replication_factor': 1}");
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '', MIGRATION_PHASE: '  ', CASSANDRA_KEYSPACE: '' });
    expect(config.port).toBe(3000);
    expect(config.migrationPhase).toBe('dual-write');
    expect(config.cassandraKeyspace).toBe('blog');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      NODE_ENV: 'production',
      MONGO_URL: 'mongodb+srv://user:pw@cluster.example.net/blog_prod?retryWrites=true',
      CASSANDRA_CONTACT_POINTS: 'cass-1:9043, cass-2 ,10.0.0.3',
      CASSANDRA_LOCAL_DC: 'eu-west',
      CASSANDRA_KEYSPACE: 'blog_prod',
      CASSANDRA_REPLICATION: 'eu-west:3,us_east:2',
      MIGRATION_PHASE: 'cassandra',
      HEALTH_CHECK_TIMEOUT_MS: '500',
      SECONDARY_WRITE_TIMEOUT_MS: '750',
      STATS_MAX_AGE_MS: '0',
      HINT_RETRY_INTERVAL: '500ms',
      RECONCILE_INTERVAL: '0',
      PHASE_POLL_INTERVAL: '250ms',
      MIGRATIONS_DIR: '/tmp/migrations',
      SESSION_SECRET: SECRET,
      SESSION_IDLE_TIMEOUT: '30m',
      SESSION_MAX_AGE: '30d',
      PASSWORD_MIN_LENGTH: '12',
      LOGIN_FAILURES_PER_USERNAME: '3',
      LOGIN_FAILURES_PER_ADDRESS: '50',
      LOGIN_FAILURE_WINDOW: '1h',
      RATE_LIMIT_COMMENTS: '0',
      RATE_LIMIT_WRITES: '120',
      TRUST_PROXY: '10.0.0.5',
    });
    expect(config).toMatchObject({
      sessionSecret: SECRET,
      sessionIdleTimeoutMs: 1_800_000,
      sessionMaxAgeMs: 30 * 86_400_000,
      passwordMinLength: 12,
      loginFailuresPerUsername: 3,
      loginFailuresPerAddress: 50,
      loginFailureWindowMs: 3_600_000,
      rateLimitComments: 0,
      rateLimitWrites: 120,
      trustProxy: '10.0.0.5',
      port: 0,
      nodeEnv: 'production',
      cassandraContactPoints: ['cass-1:9043', 'cass-2', '10.0.0.3'],
      cassandraLocalDc: 'eu-west',
      cassandraKeyspace: 'blog_prod',
      migrationPhase: 'cassandra',
      healthCheckTimeoutMs: 500,
      secondaryWriteTimeoutMs: 750,
      statsMaxAgeMs: 0,
      hintRetryIntervalMs: 500,
      reconcileIntervalMs: 0,
      phasePollIntervalMs: 250,
      migrationsDir: '/tmp/migrations',
    });
    expect(config.mongoDatabase).toBe('blog_prod');
    expect(config.stores).toEqual({ mongo: false, cassandra: true });
    expect(config.replication).toEqual({
      strategy: 'NetworkTopologyStrategy',
      dataCenters: { 'eu-west': 3, us_east: 2 },
    });
  });

  it('applies the documented defaults of the account settings', () => {
    expect(loadConfig({})).toMatchObject({
      sessionSecret: '',
      sessionIdleTimeoutMs: 2 * 3_600_000,
      sessionMaxAgeMs: 7 * 86_400_000,
      passwordMinLength: 10,
      loginFailuresPerUsername: 5,
      loginFailuresPerAddress: 20,
      loginFailureWindowMs: 15 * 60_000,
      rateLimitComments: 10,
      rateLimitWrites: 60,
      trustProxy: '',
    });
  });

  it('requires SESSION_SECRET in production, in one line that never shows a secret', () => {
    expect(problemFor({ NODE_ENV: 'production' })).toBe(
      'Invalid configuration: SESSION_SECRET is required when NODE_ENV=production (a random string of at least 32 characters)',
    );
    const short = problemFor({ NODE_ENV: 'production', SESSION_SECRET: 'hunter2-short' });
    expect(short).toBe('Invalid configuration: SESSION_SECRET must be at least 32 characters');
    expect(problemFor({ SESSION_SECRET: 'hunter2-short' })).not.toContain('hunter2');
  });

  it('takes an optional BACKUP_KEY of at least 32 characters, never showing it', () => {
    expect(loadConfig({}).backupKey).toBe('');
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) }).backupKey).toBe(
      '',
    );
    const key = 'k'.repeat(32);
    expect(loadConfig({ BACKUP_KEY: ` ${key} ` }).backupKey).toBe(key);
    const short = problemFor({ BACKUP_KEY: 'hunter2-backup-key' });
    expect(short).toBe(
      'Invalid configuration: BACKUP_KEY must be at least 32 characters (a random string, e.g. openssl rand -hex 32)',
    );
    expect(short).not.toContain('hunter2');
  });

  it('takes an optional METRICS_TOKEN of at least 32 bearer characters, never showing it', () => {
    expect(loadConfig({}).metricsToken).toBe('');
    const token = 'a1b2c3d4'.repeat(4);
    expect(loadConfig({ METRICS_TOKEN: ` ${token} ` }).metricsToken).toBe(token);
    const message =
      "Invalid configuration: METRICS_TOKEN must be at least 32 characters of A-Z, a-z, 0-9, '.', '_' and '-' (e.g. openssl rand -hex 32)";
    const short = problemFor({ METRICS_TOKEN: 'hunter2-metrics' });
    expect(short).toBe(message);
    expect(short).not.toContain('hunter2');
    // a space or a quote could never arrive in a bearer header the app reads
    const spaced = problemFor({ METRICS_TOKEN: `hunter2 ${token}` });
    expect(spaced).toBe(message);
    expect(spaced).not.toContain('hunter2');
  });

  it.each([
    ['SESSION_IDLE_TIMEOUT', '30s'],
    ['SESSION_IDLE_TIMEOUT', '31d'],
    ['SESSION_MAX_AGE', '366d'],
    ['SESSION_MAX_AGE', 'forever'],
    ['LOGIN_FAILURE_WINDOW', '2d'],
    ['PASSWORD_MIN_LENGTH', '4'],
    ['LOGIN_FAILURES_PER_USERNAME', '0'],
    ['LOGIN_FAILURES_PER_ADDRESS', 'many'],
    ['RATE_LIMIT_COMMENTS', '-1'],
    ['RATE_LIMIT_WRITES', '-1'],
    ['RATE_LIMIT_WRITES', '10001'],
    ['RATE_LIMIT_WRITES', 'lots'],
  ])('refuses %s=%s naming the variable', (variable, value) => {
    expect(problemFor({ [variable]: value })).toContain(variable);
  });

  it('gives the exact one-line message for a bad phase', () => {
    expect(problemFor({ MIGRATION_PHASE: 'bogus' })).toBe(
      'Invalid configuration: MIGRATION_PHASE must be one of mongo, dual-write, cassandra-primary, cassandra (got "bogus")',
    );
  });

  it.each([
    ['PORT', '65536', 'an integer from 0 to 65535'],
    ['PORT', 'http', 'an integer from 0 to 65535'],
    ['PORT', '-1', 'an integer from 0 to 65535'],
    ['PORT', '80.5', 'an integer from 0 to 65535'],
    ['NODE_ENV', 'staging', 'one of development, production, test'],
    ['MONGO_URL', 'postgres://localhost/blog', 'mongodb:// or mongodb+srv://'],
    ['MONGO_URL', 'mongodb://127.0.0.1:27017', 'names a database'],
    ['MONGO_URL', 'mongodb://127.0.0.1:27017/', 'names a database'],
    ['CASSANDRA_CONTACT_POINTS', 'a,,b', 'comma-separated list of host[:port]'],
    ['CASSANDRA_CONTACT_POINTS', 'host:99999', 'comma-separated list of host[:port]'],
    ['CASSANDRA_CONTACT_POINTS', 'host name', 'comma-separated list of host[:port]'],
    ['CASSANDRA_LOCAL_DC', "dc'1", 'a data center name'],
    ['CASSANDRA_KEYSPACE', 'Blog', '/^[a-z][a-z0-9_]{0,47}$/'],
    ['CASSANDRA_KEYSPACE', 'blog-prod', '/^[a-z][a-z0-9_]{0,47}$/'],
    ['CASSANDRA_KEYSPACE', 'b'.repeat(49), '/^[a-z][a-z0-9_]{0,47}$/'],
    ['CASSANDRA_REPLICATION', '0', 'dc1:3,dc2:2'],
    ['CASSANDRA_REPLICATION', 'dc1:3,dc1:2', 'dc1:3,dc2:2'],
    ['CASSANDRA_REPLICATION', "dc1':3", 'dc1:3,dc2:2'],
    ['MIGRATION_PHASE', 'phase-2', 'one of mongo, dual-write, cassandra-primary, cassandra'],
    ['HEALTH_CHECK_TIMEOUT_MS', '0', 'an integer from 1 to 600000'],
    ['HEALTH_CHECK_TIMEOUT_MS', '2s', 'an integer from 1 to 600000'],
    ['SECONDARY_WRITE_TIMEOUT_MS', '0', 'an integer from 1 to 600000'],
    ['SECONDARY_WRITE_TIMEOUT_MS', 'soon', 'an integer from 1 to 600000'],
    ['STATS_MAX_AGE_MS', '-5', 'an integer from 0 to 86400000'],
    ['HINT_RETRY_INTERVAL', '30', 'a duration like 500ms, 30s, 5m or 1h'],
    ['RECONCILE_INTERVAL', '25h', 'at most 24h'],
    ['RECONCILE_INTERVAL', '5 minutes', 'a duration like 500ms'],
    ['PHASE_POLL_INTERVAL', '0', 'a duration from 100ms to 1m'],
    ['PHASE_POLL_INTERVAL', '50ms', 'a duration from 100ms to 1m'],
    ['PHASE_POLL_INTERVAL', '2m', 'a duration from 100ms to 1m'],
    ['PHASE_POLL_INTERVAL', 'often', 'a duration from 100ms to 1m'],
  ])('%s=%s is rejected with a message naming it and what it accepts', (name, value, accepts) => {
    const message = problemFor({ [name]: value });
    expect(message).toBe(message.split('\n')[0]);
    expect(message.startsWith(`Invalid configuration: ${name} must be `)).toBe(true);
    expect(message).toContain(accepts);
    expect(message).toContain(`(got "${value}")`);
  });

  it('lists several problems on one line separated by "; "', () => {
    const message = problemFor({ PORT: 'x', MIGRATION_PHASE: 'y', CASSANDRA_KEYSPACE: 'Z' });
    expect(message).not.toContain('\n');
    const problems = message.replace('Invalid configuration: ', '').split('; ');
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'PORT',
      'CASSANDRA_KEYSPACE',
      'MIGRATION_PHASE',
    ]);
  });

  it('never echoes a password from MONGO_URL', () => {
    const message = problemFor({ MONGO_URL: 'mongodb://admin:s3cret@db.example.net' });
    expect(message).not.toContain('s3cret');
    expect(message).toContain('mongodb://***@db.example.net');
  });

  // the limits on what comments and author statistics may cost (issue 15)
  it('reads COMMENTS_PER_POST and AUTHOR_STATS_TOP, with their documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ commentsPerPost: 1000, authorStatsTop: 100 });
    expect(loadConfig({ COMMENTS_PER_POST: '5', AUTHOR_STATS_TOP: '1000' })).toMatchObject({
      commentsPerPost: 5,
      authorStatsTop: 1000,
    });
  });

  it.each([
    ['COMMENTS_PER_POST', '0', 'an integer from 1 to 100000'],
    ['COMMENTS_PER_POST', '100001', 'an integer from 1 to 100000'],
    ['COMMENTS_PER_POST', 'lots', 'an integer from 1 to 100000'],
    ['AUTHOR_STATS_TOP', '0', 'an integer from 1 to 1000'],
    ['AUTHOR_STATS_TOP', '1001', 'an integer from 1 to 1000'],
    ['AUTHOR_STATS_TOP', '1e2', 'an integer from 1 to 1000'],
  ])('refuses %s=%s in one line naming what it accepts', (name, value, accepts) => {
    expect(problemFor({ [name]: value })).toBe(
      `Invalid configuration: ${name} must be ${accepts} (got "${value}")`,
    );
  });

  describe('LOG_LEVEL', () => {
    it('defaults to info for the app and warn for the CLI; readable only in development', () => {
      const dev = loadConfig({});
      expect(dev.logSettings('app')).toEqual({ level: 'info', readable: true });
      expect(dev.logSettings('cli')).toEqual({ level: 'warn', readable: true });
      const prod = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32) });
      expect(prod.logSettings('app')).toEqual({ level: 'info', readable: false });
      expect(loadConfig({ NODE_ENV: 'test' }).logSettings('app')).toEqual({
        level: 'info',
        readable: false,
      });
    });

    it('applies to the app and the CLI alike when set', () => {
      const config = loadConfig({ LOG_LEVEL: 'debug', NODE_ENV: 'test' });
      expect(config.logSettings('app').level).toBe('debug');
      expect(config.logSettings('cli').level).toBe('debug');
    });

    it('refuses an unknown level in one line', () => {
      expect(problemFor({ LOG_LEVEL: 'loud' })).toBe(
        'Invalid configuration: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent (got "loud")',
      );
    });
  });
});
