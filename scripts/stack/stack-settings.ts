import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../../src/common/project-root';
import { defaultMongoBackend } from './mongo-backend';

/** Versions the stack installs; bump here and the cache key changes with them. */
export const CASSANDRA_VERSION = '5.0.9';
export const FERRETDB_VERSION = 'v1.24.2';

/** The project folder, the same whether this runs from scripts/ (ts-node) or dist/scripts/. */
export const REPO_ROOT = projectRoot(__dirname);

/**
 * Everything the local stack needs to know, read from the environment so a test run can use its
 * own ports and data folder next to a developer's stack.
 */
export interface StackSettings {
  /** data, logs and pid files of this stack instance */
  dir: string;
  /** downloads and builds shared by every stack instance of this machine */
  cacheDir: string;
  host: string;
  cassandraPort: number;
  cassandraStoragePort: number;
  /**
   * Cassandra nodes: node N listens on 127.0.0.N with the same ports. From --cassandra-nodes,
   * else STACK_CASSANDRA_NODES, else the count the stack was created with, else 1.
   */
  cassandraNodes: number;
  /** JVM heap in MiB per node (at most 1024: this is a development server) */
  cassandraHeapMb: number;
  mongoPort: number;
  /** how long `up` waits for a server to answer before giving up */
  readyTimeoutMs: number;
  java17: string;
  /** applied when Cassandra starts; a running server keeps the mode it was started with */
  cassandraSecurity: CassandraSecurity;
  /**
   * the MongoDB stand-in: FerretDB on the stack's own PostgreSQL, or on SQLite files. From
   * STACK_MONGO, else defaultMongoBackend (the folder's own, else PostgreSQL where it can run)
   */
  mongoBackend: MongoBackend;
  /** why the default is SQLite here, or what else the folder holds (`stack up` prints it) */
  mongoBackendNote?: string;
  /** the stack's PostgreSQL (ferretdb-postgres only) */
  postgresPort: number;
}

/** STACK_MONGO's values (docs/ferretdb.md says how they compare). */
export type MongoBackend = 'ferretdb-sqlite' | 'ferretdb-postgres';

/** How the stack's Cassandra lets clients in (STACK_CASSANDRA_AUTH and STACK_CASSANDRA_TLS). */
export interface CassandraSecurity {
  /** PasswordAuthenticator on, with an app role `blog` whose password the stack makes */
  auth: boolean;
  /** client TLS: off, on (server certificate only), or mutual (a client certificate required) */
  tls: 'off' | 'on' | 'mutual';
}

export class StackSettingsError extends Error {}

/** Node addresses are 127.0.0.1-127.0.0.N: every Linux loopback answers them without setup. */
export const MAX_CASSANDRA_NODES = 3;
/** Per-node heap when the stack runs more than one node (STACK_CASSANDRA_HEAP_MB overrides). */
export const CLUSTER_NODE_HEAP_MB = 512;

/** The file in the stack folder that remembers how many Cassandra nodes the stack has. */
export function cassandraNodesFile(dir: string): string {
  return path.join(dir, 'cassandra-nodes');
}

/** The node count the stack in `dir` was created with, undefined when none was recorded. */
export function rememberedCassandraNodes(dir: string): number | undefined {
  try {
    const value = Number(fs.readFileSync(cassandraNodesFile(dir), 'utf8').trim());
    return Number.isInteger(value) && value >= 1 && value <= MAX_CASSANDRA_NODES
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The kernel's range for outgoing connections' local ports. A server port inside it can be taken
 * at any moment by some client socket, and then the server fails to bind (seen in CI).
 */
export function ephemeralPortRange(): [number, number] | undefined {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackSettingsError(`${name} must be a TCP port 1-65535 (got "${raw}")`);
  }
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new StackSettingsError(`${name} must be an integer 1-${max} (got "${raw}")`);
  }
  return value;
}

function choice<T>(
  env: NodeJS.ProcessEnv,
  name: string,
  values: Record<string, T>,
  fallback: T,
): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = values[raw.toLowerCase()];
  if (value === undefined) {
    throw new StackSettingsError(
      `${name} must be one of ${Object.keys(values).join(', ')} (got "${raw}")`,
    );
  }
  return value;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'blog-migration');
}

/** What the command line may set over the environment (`up --cassandra-nodes 3`). */
export interface StackOverrides {
  cassandraNodes?: number;
}

function mongoBackendOf(
  env: NodeJS.ProcessEnv,
  dir: string,
): Pick<StackSettings, 'mongoBackend' | 'mongoBackendNote'> {
  if (!env.STACK_MONGO) {
    const { backend, note } = defaultMongoBackend(dir);
    return { mongoBackend: backend, ...(note && { mongoBackendNote: note }) };
  }
  const values: Record<string, MongoBackend> = {
    'ferretdb-sqlite': 'ferretdb-sqlite',
    'ferretdb-postgres': 'ferretdb-postgres',
  };
  return { mongoBackend: choice(env, 'STACK_MONGO', values, 'ferretdb-postgres') };
}

export function loadStackSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: StackOverrides = {},
): StackSettings {
  const dir = path.resolve(REPO_ROOT, env.STACK_DIR || '.stack');
  const cassandraNodes =
    overrides.cassandraNodes ??
    (env.STACK_CASSANDRA_NODES
      ? positiveInt(env, 'STACK_CASSANDRA_NODES', 1, MAX_CASSANDRA_NODES)
      : (rememberedCassandraNodes(dir) ?? 1));
  const settings: StackSettings = {
    dir,
    cacheDir: path.resolve(env.STACK_CACHE_DIR || defaultCacheDir(env)),
    host: '127.0.0.1',
    cassandraPort: port(env, 'STACK_CASSANDRA_PORT', 9042),
    cassandraStoragePort: port(env, 'STACK_CASSANDRA_STORAGE_PORT', 7000),
    cassandraNodes,
    cassandraHeapMb: positiveInt(
      env,
      'STACK_CASSANDRA_HEAP_MB',
      cassandraNodes > 1 ? CLUSTER_NODE_HEAP_MB : 1024,
      1024,
    ),
    mongoPort: port(env, 'STACK_MONGO_PORT', 27017),
    readyTimeoutMs: positiveInt(env, 'STACK_READY_TIMEOUT_S', 180, 3600) * 1000,
    java17: env.STACK_JAVA17 || '/usr/lib/jvm/java-17-openjdk-amd64/bin/java',
    cassandraSecurity: {
      auth: choice(env, 'STACK_CASSANDRA_AUTH', { '0': false, '1': true }, false),
      tls: choice<CassandraSecurity['tls']>(
        env,
        'STACK_CASSANDRA_TLS',
        { '0': 'off', '1': 'on', mutual: 'mutual' },
        'off',
      ),
    },
    ...mongoBackendOf(env, dir),
    postgresPort: port(env, 'STACK_POSTGRES_PORT', 5433),
  };
  const { auth, tls } = settings.cassandraSecurity;
  if (cassandraNodes > 1 && (auth || tls !== 'off')) {
    // the certificate names 127.0.0.1 only, and the app role lives on one node
    throw new StackSettingsError(
      `STACK_CASSANDRA_AUTH and STACK_CASSANDRA_TLS work with one Cassandra node only (this stack has ${cassandraNodes})`,
    );
  }
  const range = ephemeralPortRange();
  const named: Array<[string, number]> = [
    ['STACK_CASSANDRA_PORT', settings.cassandraPort],
    ['STACK_CASSANDRA_STORAGE_PORT', settings.cassandraStoragePort],
    ['STACK_MONGO_PORT', settings.mongoPort],
  ];
  if (settings.mongoBackend === 'ferretdb-postgres') {
    named.push(['STACK_POSTGRES_PORT', settings.postgresPort]);
  }
  for (const [name, value] of named) {
    if (range && value >= range[0] && value <= range[1]) {
      throw new StackSettingsError(
        `${name}=${value} is in this machine's ephemeral port range ${range[0]}-${range[1]}, where outgoing connections can take it; choose a port below ${range[0]}`,
      );
    }
  }
  const ports = named.map(([, value]) => value);
  if (new Set(ports).size !== ports.length) {
    throw new StackSettingsError(
      `${named.map(([name]) => name).join(', ')} must differ (got ${ports.join(', ')})`,
    );
  }
  return settings;
}
