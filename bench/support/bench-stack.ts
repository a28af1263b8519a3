import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { runningPid } from '../../scripts/stack/process-control';
import { ServiceName } from '../../scripts/stack/stack';
import { mongoUrlWithDb, uniqueName } from '../../test/support/test-env';
import { testStack } from '../../test/support/test-stack';

export interface BenchServers {
  mongoUrl: string;
  cassandraContactPoints: string;
  /** the MongoDB-wire server, in words (results name it) */
  mongoLabel: string;
  /** the database server processes, when this machine runs them (for waitUntilIdle) */
  pids: number[];
  /** Cassandra's data_file_directories, when this machine runs it (for the data size) */
  cassandraDataDir: string | null;
  /** stops what this bench started (nothing when the servers were already running) */
  release(): Promise<void>;
}

/**
 * Real servers for a benchmark: BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS when set, else
 * the test stack (.stack-test, ports 19042/27018), started if needed and stopped again after.
 */
export async function benchServers(): Promise<BenchServers> {
  const { BENCH_MONGO_URL, BENCH_CASSANDRA_CONTACT_POINTS } = process.env;
  if (BENCH_MONGO_URL && BENCH_CASSANDRA_CONTACT_POINTS) {
    return {
      mongoUrl: BENCH_MONGO_URL,
      cassandraContactPoints: BENCH_CASSANDRA_CONTACT_POINTS,
      mongoLabel: 'the MongoDB-wire server of BENCH_MONGO_URL',
      pids: [],
      cassandraDataDir: null,
      release: async () => undefined,
    };
  }
  const stack = testStack();
  const reports = await stack.up();
  const started = reports.filter((r) => r.action === 'started').map((r) => r.name as ServiceName);
  const { host, mongoPort, cassandraPort } = stack.settings;
  const pids = Object.values(stack.services)
    .map((service) => runningPid({ pidFile: service.pidFile, marker: service.marker }))
    .filter((pid): pid is number => pid !== undefined);
  const backend = stack.settings.mongoBackend;
  return {
    pids,
    mongoLabel: `FerretDB 1.24 on ${backend === 'ferretdb-postgres' ? 'PostgreSQL' : 'SQLite'} (the test stack's, ${backend})`,
    cassandraDataDir: path.join(stack.settings.dir, 'cassandra', 'data'),
    mongoUrl: `mongodb://${host}:${mongoPort}`,
    cassandraContactPoints: `${host}:${cassandraPort}`,
    release: async () => {
      if (started.length && process.env.BENCH_KEEP_STACK !== '1') await stack.down(started);
    },
  };
}

/**
 * The environment of a benchmark's app processes: production mode, on a database and keyspace
 * of the benchmark's own (MIGRATION_PHASE is added per run).
 */
export function benchAppEnv(servers: BenchServers, name: string): Record<string, string> {
  const unique = uniqueName(name);
  return {
    NODE_ENV: 'production',
    MONGO_URL: mongoUrlWithDb(servers.mongoUrl, unique),
    CASSANDRA_CONTACT_POINTS: servers.cassandraContactPoints,
    CASSANDRA_KEYSPACE: unique,
    // required in production; one per run, shared by its app instances and CLI runs
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    // production backups must be signed (mongo backup refuses without it)
    BACKUP_KEY: randomBytes(32).toString('hex'),
    // the load comes from one address (127.0.0.1): the per-address limits are not measured
    RATE_LIMIT_WRITES: '0',
    RATE_LIMIT_COMMENTS: '0',
  };
}
