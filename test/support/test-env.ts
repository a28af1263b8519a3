import { randomBytes } from 'node:crypto';

/**
 * Where the integration tier's real servers are. test/support/global-setup.ts fills these in
 * (it starts the test stack or adopts TEST_MONGO_URL / TEST_CASSANDRA_CONTACT_POINTS).
 */
export interface TestStores {
  /** mongodb:// URL without a database name */
  mongoUrl: string;
  /** comma-separated host:port list */
  cassandraContactPoints: string;
  cassandraLocalDc: string;
}

export function testStores(): TestStores {
  const mongoUrl = process.env.TEST_MONGO_URL;
  const cassandraContactPoints = process.env.TEST_CASSANDRA_CONTACT_POINTS;
  if (!mongoUrl || !cassandraContactPoints) {
    throw new Error(
      'integration tests need TEST_MONGO_URL and TEST_CASSANDRA_CONTACT_POINTS (set by test/support/global-setup.ts)',
    );
  }
  return {
    mongoUrl: mongoUrl.replace(/\/+$/, ''),
    cassandraContactPoints,
    cassandraLocalDc: process.env.TEST_CASSANDRA_LOCAL_DC ?? 'datacenter1',
  };
}

/** A name no other test run uses: valid as a CQL keyspace and as a MongoDB database name. */
export function uniqueName(prefix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 20);
  return `t_${clean}_${randomBytes(4).toString('hex')}`;
}

/** Adds or replaces the database name in a mongodb:// URL (keeps any ?options). */
export function mongoUrlWithDb(baseUrl: string, db: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  return url.toString();
}

/**
 * A complete environment for the app's config loader, pointing at the test servers with a
 * keyspace and database of its own so test files never see each other's data.
 */
export function testEnv(
  name: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const stores = testStores();
  const unique = uniqueName(name);
  return {
    NODE_ENV: 'test',
    PORT: '0',
    MIGRATION_PHASE: 'dual-write',
    MONGO_URL: mongoUrlWithDb(stores.mongoUrl, unique),
    CASSANDRA_CONTACT_POINTS: stores.cassandraContactPoints,
    CASSANDRA_LOCAL_DC: stores.cassandraLocalDc,
    CASSANDRA_KEYSPACE: unique,
    CASSANDRA_REPLICATION: '1',
    // shared by every instance of a test, so each accepts the others' forms
    SESSION_SECRET: 'integration-tests-session-secret-32+chars',
    // every request of a test comes from 127.0.0.1, and tests write far more than one person:
    // the per-address limits are off unless a test sets them (the tests of the limits do)
    RATE_LIMIT_WRITES: '0',
    RATE_LIMIT_COMMENTS: '0',
    // shadow reads are off, and the gates need no samples, unless a test sets them (the shadow
    // read tests do): a sampled read of a record another test tampered with on purpose would
    // otherwise refuse a later `phase set` now and then
    SHADOW_READ_RATE: '0',
    SHADOW_MIN_SAMPLES: '0',
    // errors only: no access line in the test output, but a spawned app still says why it
    // refused to start (a test that reads the app's log lines sets its own level)
    LOG_LEVEL: 'error',
    ...overrides,
  };
}
