import { testStack } from './test-stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildIfStale } = require('../../scripts/build-if-stale.js') as { buildIfStale(): void };

/**
 * Gives the integration tier real servers. TEST_MONGO_URL + TEST_CASSANDRA_CONTACT_POINTS adopt
 * servers that already run (e.g. docker compose); otherwise the test stack is started (a no-op
 * when it already runs) and, unless TEST_KEEP_STACK=1, stopped again by global-teardown.
 */
export default async function globalSetup(): Promise<void> {
  // the CLI runs from the compiled app (scripts/run-cli.js): build it once, not in a test's time
  buildIfStale();
  if (process.env.TEST_MONGO_URL && process.env.TEST_CASSANDRA_CONTACT_POINTS) {
    console.log(
      `\nusing running servers: ${process.env.TEST_MONGO_URL}, ${process.env.TEST_CASSANDRA_CONTACT_POINTS}`,
    );
    return;
  }
  const stack = testStack();
  const runningBefore = (await stack.status())
    .filter((s) => s.state !== 'stopped')
    .map((s) => s.name);
  const reports = await stack.up().catch(async (err: unknown) => {
    // one server failed: don't leave the other one running behind a failed test run
    await stack.down(stack.serviceNames().filter((name) => !runningBefore.includes(name)));
    throw err;
  });
  const host = stack.settings.host;
  process.env.TEST_MONGO_URL = `mongodb://${host}:${stack.settings.mongoPort}`;
  process.env.TEST_CASSANDRA_CONTACT_POINTS = `${host}:${stack.settings.cassandraPort}`;
  process.env.TEST_CASSANDRA_LOCAL_DC = 'datacenter1';
  process.env.TEST_STACK_MANAGED = '1';
  process.env.TEST_STACK_STARTED = reports
    .filter((r) => r.action === 'started')
    .map((r) => r.name)
    .join(',');
  const summary = reports
    .map(
      (r) =>
        `${r.name} ${r.action === 'started' ? `started in ${(r.bootMs / 1000).toFixed(1)}s` : 'already running'}`,
    )
    .join(', ');
  console.log(`\ntest stack (${stack.settings.dir}): ${summary}`);
}
