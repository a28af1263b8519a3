import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidationArguments,
  ValidationOptions,
  validateSync,
} from 'class-validator';
import { redactUrls } from '../common/redact';
import { MIGRATION_PHASES, MigrationPhase, StoresUsed, storesUsedBy } from './migration-phase';
import { ReplicationSettings, parseReplication, renderReplication } from './replication';
import { MAX_PROXY_HOPS, TrustProxy, parseTrustProxy } from './trust-proxy';
import { cassandraSecurityProblems } from './cassandra-security';
import { withSecretFiles } from './secret-files';
import { ServerTimeouts } from '../common/http/server-timeouts';
import { DEFAULT_BODY_LIMIT } from '../common/validation/body-limits';
import { LOG_LEVELS, LogLevelName, LogSettings } from '../common/logging/root-logger';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

const KEYSPACE = /^[a-z][a-z0-9_]{0,47}$/;
const MONGO_URL = /^mongodb(\+srv)?:\/\/[^/?#\s]+\/([^/?#\s]+)(\?[^#\s]*)?$/;
const HOST_PORT =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
const DC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Shows the offending value in an error without echoing a password from a URL. */
function shown(value: unknown): string {
  const text = Array.isArray(value) ? value.join(',') : String(value);
  return `"${redactUrls(text)}"`;
}

/** Every message names the variable, what it accepts and what it got: one readable clause. */
function says(variable: string, accepts: string): ValidationOptions {
  return {
    message: (args: ValidationArguments) => `${variable} ${accepts} (got ${shown(args.value)})`,
  };
}

function isContactPointList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((entry) => {
      const match = typeof entry === 'string' ? HOST_PORT.exec(entry) : null;
      return match !== null && (match[1] === undefined || (+match[1] >= 1 && +match[1] <= 65535));
    })
  );
}

function isReplicationSpec(value: unknown): boolean {
  try {
    return typeof value === 'string' && parseReplication(value) !== undefined;
  } catch {
    return false;
  }
}

const INTERVAL_FORMAT = 'must be 0 (off) or a duration like 500ms, 30s, 5m or 1h, at most 24h';
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DAY_MS = 86_400_000;

/** A duration with its unit ("30s", "7d") in milliseconds; raw text back when it is not one. */
export function parseInterval(raw: string, maxMs = DAY_MS): number {
  if (raw === '0') return 0;
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(raw);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]] : NaN;
  // out of range stays text too, so the error shows what was written
  return (ms <= maxMs ? ms : raw) as number;
}

/** A duration from one minute to `maxMs` (sessions, throttle windows); raw text otherwise. */
function parseLongDuration(raw: string, maxMs: number): number {
  const ms = parseInterval(raw, maxMs);
  return (typeof ms === 'number' && ms >= 60_000 ? ms : raw) as number;
}

function isDuration(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 60_000;
}

/** Never shows the value: it is a secret. */
function isSessionSecret(value: unknown, args?: ValidationArguments): boolean {
  if (typeof value !== 'string') return false;
  if (value === '') return (args?.object as AppConfig | undefined)?.nodeEnv !== 'production';
  return value.length >= 32;
}

function isTrustProxySpec(value: unknown): boolean {
  try {
    return typeof value === 'string' && parseTrustProxy(value) !== undefined;
  } catch {
    return false;
  }
}

const TRUST_PROXY_FORMAT = `must be off (unset, false or 0), a hop count from 1 to ${MAX_PROXY_HOPS}, or a comma-separated list of proxy addresses, CIDRs, loopback, linklocal or uniquelocal`;

/** The shortest BACKUP_KEY accepted (a random 32-byte hex string is 64). */
export const BACKUP_KEY_MIN_LENGTH = 32;

/** Optional; when set, long enough to be a real key. Never shows the value: it is a secret. */
function isBackupKey(value: unknown): boolean {
  return typeof value === 'string' && (value === '' || value.length >= BACKUP_KEY_MIN_LENGTH);
}

/** The shortest METRICS_TOKEN accepted (`openssl rand -hex 32` gives 64). */
export const METRICS_TOKEN_MIN_LENGTH = 32;

/**
 * Optional; when set, long enough to be unguessable and made of the characters a bearer token
 * may have (the auth middleware reads no others). Never shows the value: it is a secret.
 */
function isMetricsToken(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    (value === '' ||
      (value.length >= METRICS_TOKEN_MIN_LENGTH && /^[A-Za-z0-9._-]{1,200}$/.test(value)))
  );
}

function isInterval(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 86_400_000;
}

const POLL_FORMAT = 'must be a duration from 100ms to 1m, like 500ms or 2s';

function isPollInterval(value: unknown): boolean {
  return typeof value === 'number' && value >= 100 && value <= 60_000;
}

/** Like parseInterval, but out of the poll range stays text too (the error shows it). */
function parsePollInterval(raw: string): number {
  const ms = parseInterval(raw);
  return (isPollInterval(ms) ? ms : raw) as number;
}

function isRate(value: unknown): boolean {
  return typeof value === 'number' && value >= 0 && value <= 1;
}

/** A share from 0 to 1; raw text back when it is not one, so the error shows it. */
function parseRate(raw: string): number {
  return (/^(0|1)(\.\d{1,9})?$|^\.\d{1,9}$/.test(raw) ? Number(raw) : raw) as number;
}

function isShadowRecheck(value: unknown): boolean {
  return typeof value === 'number' && value >= 0 && value <= 60_000;
}

function isShadowWindow(value: unknown): boolean {
  return typeof value === 'number' && value >= 60_000 && value <= DAY_MS;
}

const DRIVER_TIMEOUT_FORMAT =
  'must be an integer up to 600000, at least SECONDARY_WRITE_TIMEOUT_MS and HEALTH_CHECK_TIMEOUT_MS';

/**
 * A driver's operation timeout ends what the app's own timeouts gave up on (a copy hinted, a
 * health check reported down); below them it would quietly shorten them instead.
 */
function isDriverTimeout(value: unknown, args?: ValidationArguments): boolean {
  const config = args?.object as AppConfig | undefined;
  const floor = Math.max(
    1,
    Number(config?.secondaryWriteTimeoutMs) || 0,
    Number(config?.healthCheckTimeoutMs) || 0,
  );
  return typeof value === 'number' && Number.isInteger(value) && value >= floor && value <= 600_000;
}

/** A driver timeout's default: `fallback`, or the app's longest own timeout if that is longer. */
function driverTimeoutOf(raw: string, env: NodeJS.ProcessEnv, fallback: number): number {
  if (raw) return integerOrRaw(raw);
  const own = ['SECONDARY_WRITE_TIMEOUT_MS', 'HEALTH_CHECK_TIMEOUT_MS'].map((variable) =>
    Number(read(env, variable, '0')),
  );
  return Math.max(fallback, ...own.filter((ms) => Number.isInteger(ms) && ms <= 600_000));
}

// --- HTTP input limits and server timeouts (issue 15) ---
const BODY_LIMIT_FORMAT = 'must be a size from 1kb to 64mb, like 640kb, 2mb or 655360 (bytes)';
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 * 1024 };

/** A size in bytes ("640kb", "2mb", "655360"); raw text back when it is not one. */
function parseSize(raw: string): number {
  const match = /^(\d{1,9})(b|kb|mb)?$/i.exec(raw);
  return (match ? Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()] : raw) as number;
}

const HOUR_MS = 3_600_000;
const SERVER_TIMEOUT_FORMAT = 'must be a duration from 1s to 1h, like 65s or 2m';

function isServerTimeout(value: unknown): boolean {
  return typeof value === 'number' && value >= 1000 && value <= HOUR_MS;
}

// Node answers 408 to a request whose headers take longer than headersTimeout, so it must be
// above keepAliveTimeout or a connection reused just before it closes could be cut.
function isHeadersTimeout(value: unknown, args?: ValidationArguments): boolean {
  const keepAlive = (args?.object as AppConfig | undefined)?.httpKeepAliveTimeoutMs;
  return isServerTimeout(value) && (typeof keepAlive !== 'number' || (value as number) > keepAlive);
}

function isRequestTimeout(value: unknown, args?: ValidationArguments): boolean {
  const headers = (args?.object as AppConfig | undefined)?.httpHeadersTimeoutMs;
  if (value === 0) return true;
  return isServerTimeout(value) && (typeof headers !== 'number' || (value as number) >= headers);
}

/**
 * The app's whole configuration, read from the environment once at boot by loadConfig() and
 * provided to Nest as a value (the class is the DI token). Field comments name the variable.
 */
export class AppConfig {
  /** PORT: HTTP port; 0 asks the OS for any free port (tests use that). */
  @IsInt(says('PORT', 'must be an integer from 0 to 65535'))
  @Min(0, says('PORT', 'must be an integer from 0 to 65535'))
  @Max(65535, says('PORT', 'must be an integer from 0 to 65535'))
  port!: number;

  /** NODE_ENV: production never applies schema migrations on its own. */
  @IsIn(NODE_ENVS, says('NODE_ENV', `must be one of ${NODE_ENVS.join(', ')}`))
  nodeEnv!: NodeEnv;

  /** MONGO_URL: must name the database, e.g. mongodb://127.0.0.1:27017/blog. */
  @Matches(
    MONGO_URL,
    says('MONGO_URL', 'must be a mongodb:// or mongodb+srv:// URL that names a database'),
  )
  mongoUrl!: string;

  /** CASSANDRA_CONTACT_POINTS: comma-separated host[:port] list. */
  @ValidateBy(
    { name: 'isContactPointList', validator: { validate: isContactPointList } },
    says('CASSANDRA_CONTACT_POINTS', 'must be a comma-separated list of host[:port]'),
  )
  cassandraContactPoints!: string[];

  /** CASSANDRA_LOCAL_DC: the data center the driver treats as local. */
  @Matches(DC_NAME, says('CASSANDRA_LOCAL_DC', 'must be a data center name'))
  cassandraLocalDc!: string;

  /** CASSANDRA_KEYSPACE: created by the first Cassandra schema migration. */
  @Matches(KEYSPACE, says('CASSANDRA_KEYSPACE', 'must be a name matching /^[a-z][a-z0-9_]{0,47}$/'))
  cassandraKeyspace!: string;

  /** CASSANDRA_REPLICATION as written; see `replication` for the parsed form. */
  @ValidateBy(
    { name: 'isReplicationSpec', validator: { validate: isReplicationSpec } },
    says('CASSANDRA_REPLICATION', 'must be a factor like 1 or data centers like dc1:3,dc2:2'),
  )
  cassandraReplication!: string;

  // Login and TLS of a secured Cassandra cluster; cassandraSecurityProblems() validates them
  // together (a password needs a user name, a client certificate its key, and so on).
  /** CASSANDRA_USERNAME: log in with PasswordAuthenticator as this role (with the password). */
  cassandraUsername?: string;
  /** CASSANDRA_PASSWORD (or CASSANDRA_PASSWORD_FILE): the role's password; never printed. */
  cassandraPassword?: string;
  /** CASSANDRA_TLS_CA: PEM file of the CA(s) that signed the nodes' certificates; turns TLS on. */
  cassandraTlsCa?: string;
  /** CASSANDRA_TLS_CERT: PEM client certificate, for clusters that require one. */
  cassandraTlsCert?: string;
  /** CASSANDRA_TLS_KEY: the client certificate's unencrypted PEM private key. */
  cassandraTlsKey?: string;

  /**
   * MIGRATION_PHASE: the phase to start in while no phase control record exists (`phase set`
   * writes one, and from then on the record decides); see migration-phase.ts for each phase.
   */
  @IsIn(MIGRATION_PHASES, says('MIGRATION_PHASE', `must be one of ${MIGRATION_PHASES.join(', ')}`))
  migrationPhase!: MigrationPhase;

  /** HEALTH_CHECK_TIMEOUT_MS: a store slower than this is reported down. */
  @IsInt(says('HEALTH_CHECK_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Min(1, says('HEALTH_CHECK_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Max(600000, says('HEALTH_CHECK_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  healthCheckTimeoutMs!: number;

  /**
   * SECONDARY_WRITE_TIMEOUT_MS: in the dual-write phases, how long the secondary store's copy of
   * a write may take before it counts as missed and is hinted for the retry.
   */
  @IsInt(says('SECONDARY_WRITE_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Min(1, says('SECONDARY_WRITE_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Max(600000, says('SECONDARY_WRITE_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  secondaryWriteTimeoutMs!: number;

  // --- secondary copies and driver timeouts (issue 15: a real bound on secondary copies) ---

  /**
   * SECONDARY_MAX_IN_FLIGHT: in the dual-write phases, copies to the secondary whose operation
   * has not ended (timed-out ones included); past it a copy is hinted at once, not started.
   */
  @IsInt(says('SECONDARY_MAX_IN_FLIGHT', 'must be an integer from 1 to 100000'))
  @Min(1, says('SECONDARY_MAX_IN_FLIGHT', 'must be an integer from 1 to 100000'))
  @Max(100000, says('SECONDARY_MAX_IN_FLIGHT', 'must be an integer from 1 to 100000'))
  secondaryMaxInFlight!: number;

  /** MONGO_CONNECT_TIMEOUT_MS: opening a connection, handshake included (driver connectTimeoutMS). */
  @IsInt(says('MONGO_CONNECT_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Min(1, says('MONGO_CONNECT_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Max(600000, says('MONGO_CONNECT_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  mongoConnectTimeoutMs!: number;

  /** MONGO_SERVER_SELECTION_TIMEOUT_MS: finding a server to send an operation to. */
  @IsInt(says('MONGO_SERVER_SELECTION_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Min(1, says('MONGO_SERVER_SELECTION_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Max(600000, says('MONGO_SERVER_SELECTION_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  mongoServerSelectionTimeoutMs!: number;

  /** MONGO_WAIT_QUEUE_TIMEOUT_MS: waiting for a free connection of the pool. */
  @IsInt(says('MONGO_WAIT_QUEUE_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Min(1, says('MONGO_WAIT_QUEUE_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Max(600000, says('MONGO_WAIT_QUEUE_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  mongoWaitQueueTimeoutMs!: number;

  /**
   * MONGO_SOCKET_TIMEOUT_MS: an operation's connection silent this long is closed and the
   * operation fails (driver socketTimeoutMS): what ends an operation on a hung server. At least
   * the app's own timeouts, which it outlasts.
   */
  @ValidateBy(
    { name: 'isDriverTimeout', validator: { validate: isDriverTimeout } },
    says('MONGO_SOCKET_TIMEOUT_MS', DRIVER_TIMEOUT_FORMAT),
  )
  mongoSocketTimeoutMs!: number;

  /** CASSANDRA_CONNECT_TIMEOUT_MS: opening a connection to a node (socketOptions.connectTimeout). */
  @IsInt(says('CASSANDRA_CONNECT_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Min(1, says('CASSANDRA_CONNECT_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  @Max(600000, says('CASSANDRA_CONNECT_TIMEOUT_MS', 'must be an integer from 1 to 600000'))
  cassandraConnectTimeoutMs!: number;

  /**
   * CASSANDRA_READ_TIMEOUT_MS: how long the driver waits for a node's answer to a request
   * (socketOptions.readTimeout) before it fails it (or tries another node, if idempotent). At
   * least the app's own timeouts.
   */
  @ValidateBy(
    { name: 'isDriverTimeout', validator: { validate: isDriverTimeout } },
    says('CASSANDRA_READ_TIMEOUT_MS', DRIVER_TIMEOUT_FORMAT),
  )
  cassandraReadTimeoutMs!: number;

  /**
   * CASSANDRA_SPECULATIVE_DELAY_MS: a read (SELECT) a node has not answered within this long is
   * sent to another node as well, and the first answer wins; 0 turns speculation off. Writes are
   * never speculated (docs/cassandra-driver.md).
   */
  @IsInt(says('CASSANDRA_SPECULATIVE_DELAY_MS', 'must be an integer from 0 to 60000'))
  @Min(0, says('CASSANDRA_SPECULATIVE_DELAY_MS', 'must be an integer from 0 to 60000'))
  @Max(60000, says('CASSANDRA_SPECULATIVE_DELAY_MS', 'must be an integer from 0 to 60000'))
  cassandraSpeculativeDelayMs!: number;

  /** CASSANDRA_SPECULATIVE_EXECUTIONS: how many extra nodes a slow read is sent to, at most. */
  @IsInt(says('CASSANDRA_SPECULATIVE_EXECUTIONS', 'must be an integer from 1 to 5'))
  @Min(1, says('CASSANDRA_SPECULATIVE_EXECUTIONS', 'must be an integer from 1 to 5'))
  @Max(5, says('CASSANDRA_SPECULATIVE_EXECUTIONS', 'must be an integer from 1 to 5'))
  cassandraSpeculativeExecutions!: number;

  /**
   * CASSANDRA_NODE_LOSS_RETRY_MS: an idempotent statement a node answers with a read or write
   * timeout (a replica died and is not convicted yet) is resent, 250 ms to 2 s apart, for up to
   * this long at the same write timestamp; 0 turns it off (docs/cassandra-driver.md).
   */
  @IsInt(says('CASSANDRA_NODE_LOSS_RETRY_MS', 'must be an integer from 0 to 120000'))
  @Min(0, says('CASSANDRA_NODE_LOSS_RETRY_MS', 'must be an integer from 0 to 120000'))
  @Max(120000, says('CASSANDRA_NODE_LOSS_RETRY_MS', 'must be an integer from 0 to 120000'))
  cassandraNodeLossRetryMs!: number;

  // --- end of secondary copies and driver timeouts ---

  /**
   * STATS_MAX_AGE_MS: /api/stats serves store totals (and /api/author-stats its counts) counted
   * at most this long ago; an older count is redone in the background while the last one is
   * still served (with its `as_of`).
   */
  @IsInt(says('STATS_MAX_AGE_MS', 'must be an integer from 0 to 86400000'))
  @Min(0, says('STATS_MAX_AGE_MS', 'must be an integer from 0 to 86400000'))
  @Max(86400000, says('STATS_MAX_AGE_MS', 'must be an integer from 0 to 86400000'))
  statsMaxAgeMs!: number;

  /**
   * HINT_RETRY_INTERVAL: in the dual-write phases, how often one app instance (holding the
   * `hint-retry` lease) copies the writes the secondary missed. 0 turns the job off.
   */
  @ValidateBy(
    { name: 'isInterval', validator: { validate: isInterval } },
    says('HINT_RETRY_INTERVAL', INTERVAL_FORMAT),
  )
  hintRetryIntervalMs!: number;

  /**
   * HINT_RETRY_BATCH: hints a hint retry reads at once and copies together (one bulk read of the
   * primary's records per kind, bulk writes to the secondary, one bulk removal).
   */
  @IsInt(says('HINT_RETRY_BATCH', 'must be an integer from 1 to 10000'))
  @Min(1, says('HINT_RETRY_BATCH', 'must be an integer from 1 to 10000'))
  @Max(10000, says('HINT_RETRY_BATCH', 'must be an integer from 1 to 10000'))
  hintRetryBatch!: number;

  /** HINT_RETRY_CONCURRENCY: a hint retry's operations in flight against each store at once. */
  @IsInt(says('HINT_RETRY_CONCURRENCY', 'must be an integer from 1 to 256'))
  @Min(1, says('HINT_RETRY_CONCURRENCY', 'must be an integer from 1 to 256'))
  @Max(256, says('HINT_RETRY_CONCURRENCY', 'must be an integer from 1 to 256'))
  hintRetryConcurrency!: number;

  /**
   * RECONCILE_INTERVAL: in the dual-write phases, how often one app instance (holding the
   * `reconcile` lease) verifies both stores and repairs the secondary. 0 turns the job off.
   */
  @ValidateBy(
    { name: 'isInterval', validator: { validate: isInterval } },
    says('RECONCILE_INTERVAL', INTERVAL_FORMAT),
  )
  reconcileIntervalMs!: number;

  /**
   * PHASE_POLL_INTERVAL: how often each app instance reads the phase control record (and
   * reports itself alive); an instance follows `phase set` within about this long.
   */
  @ValidateBy(
    { name: 'isPollInterval', validator: { validate: isPollInterval } },
    says('PHASE_POLL_INTERVAL', POLL_FORMAT),
  )
  phasePollIntervalMs!: number;

  /**
   * SESSION_SECRET: signs the forms' CSRF tokens (src/auth/csrf-tokens.ts). Required in
   * production; at least 32 characters; never printed. Outside production, when unset, each
   * process makes its own (scripts/start.ts keeps one in the local stack's folder).
   */
  @ValidateBy(
    { name: 'isSessionSecret', validator: { validate: isSessionSecret } },
    {
      message: (args: ValidationArguments) =>
        args.value === ''
          ? 'SESSION_SECRET is required when NODE_ENV=production (a random string of at least 32 characters)'
          : 'SESSION_SECRET must be at least 32 characters',
    },
  )
  sessionSecret!: string;

  /** SESSION_IDLE_TIMEOUT: a session unused this long is refused (1m to 30d). */
  @ValidateBy(
    { name: 'isDuration', validator: { validate: isDuration } },
    says('SESSION_IDLE_TIMEOUT', 'must be a duration from 1m to 30d, like 30m, 2h or 1d'),
  )
  sessionIdleTimeoutMs!: number;

  /** SESSION_MAX_AGE: a session is refused this long after sign-in, used or not (1m to 365d). */
  @ValidateBy(
    { name: 'isDuration', validator: { validate: isDuration } },
    says('SESSION_MAX_AGE', 'must be a duration from 1m to 365d, like 12h or 7d'),
  )
  sessionMaxAgeMs!: number;

  /** PASSWORD_MIN_LENGTH: the shortest password accepted for an account. */
  @IsInt(says('PASSWORD_MIN_LENGTH', 'must be an integer from 8 to 128'))
  @Min(8, says('PASSWORD_MIN_LENGTH', 'must be an integer from 8 to 128'))
  @Max(128, says('PASSWORD_MIN_LENGTH', 'must be an integer from 8 to 128'))
  passwordMinLength!: number;

  /** LOGIN_FAILURES_PER_USERNAME: failed sign-ins for one username before it is locked a while. */
  @IsInt(says('LOGIN_FAILURES_PER_USERNAME', 'must be an integer from 1 to 1000'))
  @Min(1, says('LOGIN_FAILURES_PER_USERNAME', 'must be an integer from 1 to 1000'))
  @Max(1000, says('LOGIN_FAILURES_PER_USERNAME', 'must be an integer from 1 to 1000'))
  loginFailuresPerUsername!: number;

  /** LOGIN_FAILURES_PER_ADDRESS: failed sign-ins from one client address before it is locked. */
  @IsInt(says('LOGIN_FAILURES_PER_ADDRESS', 'must be an integer from 1 to 10000'))
  @Min(1, says('LOGIN_FAILURES_PER_ADDRESS', 'must be an integer from 1 to 10000'))
  @Max(10000, says('LOGIN_FAILURES_PER_ADDRESS', 'must be an integer from 1 to 10000'))
  loginFailuresPerAddress!: number;

  /** LOGIN_FAILURE_WINDOW: how long a failed sign-in counts (and so how long a lock-out lasts). */
  @ValidateBy(
    { name: 'isDuration', validator: { validate: isDuration } },
    says('LOGIN_FAILURE_WINDOW', 'must be a duration from 1m to 24h, like 15m'),
  )
  loginFailureWindowMs!: number;

  /** RATE_LIMIT_COMMENTS: comments per minute from one client address; 0 turns the limit off. */
  @IsInt(says('RATE_LIMIT_COMMENTS', 'must be an integer from 0 (off) to 10000'))
  @Min(0, says('RATE_LIMIT_COMMENTS', 'must be an integer from 0 (off) to 10000'))
  @Max(10000, says('RATE_LIMIT_COMMENTS', 'must be an integer from 0 (off) to 10000'))
  rateLimitComments!: number;

  /**
   * RATE_LIMIT_WRITES: write requests (POST, PUT, PATCH, DELETE) per minute from one client
   * address, over all routes together; 0 turns the limit off.
   */
  @IsInt(says('RATE_LIMIT_WRITES', 'must be an integer from 0 (off) to 10000'))
  @Min(0, says('RATE_LIMIT_WRITES', 'must be an integer from 0 (off) to 10000'))
  @Max(10000, says('RATE_LIMIT_WRITES', 'must be an integer from 0 (off) to 10000'))
  rateLimitWrites!: number;

  /** TRUST_PROXY as written; see `trustProxySetting` and trust-proxy.ts. */
  @ValidateBy(
    { name: 'isTrustProxySpec', validator: { validate: isTrustProxySpec } },
    {
      message: (args: ValidationArguments) =>
        args.value === 'true'
          ? `TRUST_PROXY must name the proxies (a hop count or their addresses): true would let any client choose its own address (got "true")`
          : `TRUST_PROXY ${TRUST_PROXY_FORMAT} (got ${shown(args.value)})`,
    },
  )
  trustProxy!: string;

  /**
   * COMMENTS_PER_POST: a post takes no more comments once it has this many (409; the page says
   * so instead of offering the form). Bounds what one post costs to show, count and delete.
   */
  @IsInt(says('COMMENTS_PER_POST', 'must be an integer from 1 to 100000'))
  @Min(1, says('COMMENTS_PER_POST', 'must be an integer from 1 to 100000'))
  @Max(100000, says('COMMENTS_PER_POST', 'must be an integer from 1 to 100000'))
  commentsPerPost!: number;

  /** AUTHOR_STATS_TOP: how many authors /api/author-stats lists (those with the most posts). */
  @IsInt(says('AUTHOR_STATS_TOP', 'must be an integer from 1 to 1000'))
  @Min(1, says('AUTHOR_STATS_TOP', 'must be an integer from 1 to 1000'))
  @Max(1000, says('AUTHOR_STATS_TOP', 'must be an integer from 1 to 1000'))
  authorStatsTop!: number;

  /**
   * OPS_PORT: a second listener for operators (`/health/details`, `/metrics`) that needs no
   * session, meant for the internal network only; unset = none. 0 = any free port (tests).
   */
  @IsOptional()
  @IsInt(says('OPS_PORT', 'must be an integer from 0 to 65535, different from PORT'))
  @Min(0, says('OPS_PORT', 'must be an integer from 0 to 65535, different from PORT'))
  @Max(65535, says('OPS_PORT', 'must be an integer from 0 to 65535, different from PORT'))
  @ValidateBy(
    {
      name: 'isNotThePublicPort',
      // 0 (any free port) never collides
      validator: {
        validate: (value, args) => value === 0 || value !== (args?.object as AppConfig).port,
      },
    },
    says('OPS_PORT', 'must be an integer from 0 to 65535, different from PORT'),
  )
  opsPort?: number;

  /** OPS_HOST: the address OPS_PORT binds to; loopback unless the operators' network needs more. */
  @Matches(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/,
    says('OPS_HOST', 'must be an IP address or a host name, like 127.0.0.1 or 0.0.0.0'),
  )
  opsHost!: string;
  // --- shadow reads (issue 16, docs/shadow-reads.md) ---

  /**
   * SHADOW_READ_RATE: in the dual phases, the share of post, listing and comments page reads
   * also read from the secondary after the answer and compared (0 = off, 1 = every read).
   */
  @ValidateBy(
    { name: 'isRate', validator: { validate: isRate } },
    says('SHADOW_READ_RATE', 'must be a number from 0 to 1, like 0.01'),
  )
  shadowReadRate!: number;

  /** SHADOW_RECHECK_DELAY: how long a mismatch waits for writes in flight before it is read again. */
  @ValidateBy(
    { name: 'isShadowRecheck', validator: { validate: isShadowRecheck } },
    says('SHADOW_RECHECK_DELAY', 'must be a duration from 0 to 1m, like 500ms or 2s'),
  )
  shadowRecheckDelayMs!: number;

  /** SHADOW_QUEUE_LIMIT: sampled reads waiting or running at once; past it samples are dropped. */
  @IsInt(says('SHADOW_QUEUE_LIMIT', 'must be an integer from 1 to 100000'))
  @Min(1, says('SHADOW_QUEUE_LIMIT', 'must be an integer from 1 to 100000'))
  @Max(100000, says('SHADOW_QUEUE_LIMIT', 'must be an integer from 1 to 100000'))
  shadowQueueLimit!: number;

  /** SHADOW_MIN_SAMPLES: samples the cassandra-primary and cassandra gates need in SHADOW_WINDOW. */
  @IsInt(says('SHADOW_MIN_SAMPLES', 'must be an integer from 0 to 100000000'))
  @Min(0, says('SHADOW_MIN_SAMPLES', 'must be an integer from 0 to 100000000'))
  @Max(100_000_000, says('SHADOW_MIN_SAMPLES', 'must be an integer from 0 to 100000000'))
  shadowMinSamples!: number;

  /** SHADOW_WINDOW: how far back the gates count samples (1m to 24h). */
  @ValidateBy(
    { name: 'isShadowWindow', validator: { validate: isShadowWindow } },
    says('SHADOW_WINDOW', 'must be a duration from 1m to 24h, like 30m or 1h'),
  )
  shadowWindowMs!: number;

  // --- HTTP input limits and server timeouts (issue 15) ---

  /** HTTP_BODY_LIMIT: the largest request body accepted (413 above it); see body-limits.ts. */
  @IsInt(says('HTTP_BODY_LIMIT', BODY_LIMIT_FORMAT))
  @Min(1024, says('HTTP_BODY_LIMIT', BODY_LIMIT_FORMAT))
  @Max(64 * 1024 * 1024, says('HTTP_BODY_LIMIT', BODY_LIMIT_FORMAT))
  httpBodyLimit!: number;

  /**
   * HTTP_KEEP_ALIVE_TIMEOUT: how long an idle keep-alive connection stays open. Above common
   * load balancers' idle timeouts (60 s), so the balancer, not the app, closes idle connections:
   * otherwise a request sent on a connection the app is closing at that moment fails.
   */
  @ValidateBy(
    { name: 'isServerTimeout', validator: { validate: isServerTimeout } },
    says('HTTP_KEEP_ALIVE_TIMEOUT', SERVER_TIMEOUT_FORMAT),
  )
  httpKeepAliveTimeoutMs!: number;

  /** HTTP_HEADERS_TIMEOUT: time to receive a request's headers; above the keep-alive timeout. */
  @ValidateBy(
    { name: 'isHeadersTimeout', validator: { validate: isHeadersTimeout } },
    says('HTTP_HEADERS_TIMEOUT', 'must be a duration above HTTP_KEEP_ALIVE_TIMEOUT, at most 1h'),
  )
  httpHeadersTimeoutMs!: number;

  /** HTTP_REQUEST_TIMEOUT: time to receive a whole request (slow uploads are cut); 0 = none. */
  @ValidateBy(
    { name: 'isRequestTimeout', validator: { validate: isRequestTimeout } },
    says(
      'HTTP_REQUEST_TIMEOUT',
      'must be 0 (none) or a duration at least HTTP_HEADERS_TIMEOUT, at most 1h',
    ),
  )
  httpRequestTimeoutMs!: number;

  /**
   * BACKUP_KEY: signs `mongo backup` files (HMAC-SHA-256) and is checked by `mongo cleanup` and
   * `mongo restore` (src/mongo-backup/backup-signature.ts). Optional for the app; at least 32
   * characters when set; never printed ('' when unset).
   */
  @ValidateBy(
    { name: 'isBackupKey', validator: { validate: isBackupKey } },
    {
      message: `BACKUP_KEY must be at least ${BACKUP_KEY_MIN_LENGTH} characters (a random string, e.g. openssl rand -hex 32)`,
    },
  )
  backupKey!: string;

  /**
   * METRICS_TOKEN: lets a Prometheus server read `GET /metrics` on the public port with
   * `Authorization: Bearer <token>` (src/auth/metrics-token.ts). Optional ('' = only admins, or
   * OPS_PORT); at least 32 characters of A-Z a-z 0-9 . _ - when set; never printed.
   */
  @ValidateBy(
    { name: 'isMetricsToken', validator: { validate: isMetricsToken } },
    {
      message: `METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} characters of A-Z, a-z, 0-9, '.', '_' and '-' (e.g. openssl rand -hex 32)`,
    },
  )
  metricsToken!: string;

  /** MIGRATIONS_DIR: overrides the project's migrations/ folder (tests point it at a copy). */
  @IsOptional()
  @IsString(says('MIGRATIONS_DIR', 'must be a folder path'))
  migrationsDir?: string;

  /**
   * LOG_LEVEL: the lowest level logged (pino's levels, or silent). Unset: info for the app, warn
   * for the CLI (its output is the command's own).
   */
  @IsOptional()
  @IsIn(LOG_LEVELS, says('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`))
  logLevel?: LogLevelName;

  /** How a process logs: JSON lines in production and tests, readable lines in development. */
  logSettings(processKind: 'app' | 'cli'): LogSettings {
    const fallback = processKind === 'cli' ? 'warn' : 'info';
    return { level: this.logLevel ?? fallback, readable: this.nodeEnv === 'development' };
  }

  /** The HTTP timeouts, for every server the app listens with (public port and OPS_PORT). */
  get httpServerTimeouts(): ServerTimeouts {
    return {
      keepAliveTimeoutMs: this.httpKeepAliveTimeoutMs,
      headersTimeoutMs: this.httpHeadersTimeoutMs,
      requestTimeoutMs: this.httpRequestTimeoutMs,
    };
  }

  /** Which stores MIGRATION_PHASE uses. */
  get stores(): StoresUsed {
    return storesUsedBy(this.migrationPhase);
  }

  /** Express's `trust proxy` value: which proxies' X-Forwarded-For and -Proto are believed. */
  get trustProxySetting(): TrustProxy {
    return parseTrustProxy(this.trustProxy);
  }

  /** The database named in MONGO_URL. */
  get mongoDatabase(): string {
    return decodeURIComponent(MONGO_URL.exec(this.mongoUrl)?.[2] ?? '');
  }

  get replication(): ReplicationSettings {
    return parseReplication(this.cassandraReplication);
  }

  /** The replication map as a CQL literal, for `{{replication}}` in Cassandra migrations. */
  get replicationCql(): string {
    return renderReplication(this.replication);
  }
}

/** Bad configuration: `message` is a single line listing every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Empty counts as unset so `FOO=` in an env file falls back to the default. */
function read(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

/** Integers stay strings when malformed so the error can show exactly what was given. */
function integerOrRaw(raw: string): number {
  return (/^\d{1,15}$/.test(raw) ? Number(raw) : raw) as number;
}

/**
 * Reads and validates the configuration. Throws ConfigError (one line) on any problem, so
 * main.ts and cli.ts can print it and exit before Nest starts. A secret may come from a file
 * instead (`<NAME>_FILE`, see SECRET_VARIABLES in secret-files.ts).
 */
export function loadConfig(processEnv: NodeJS.ProcessEnv = process.env): AppConfig {
  const fileProblems: string[] = [];
  const env = withSecretFiles(processEnv, fileProblems);
  if (fileProblems.length > 0) throw new ConfigError(fileProblems);
  const config = Object.assign(new AppConfig(), {
    port: integerOrRaw(read(env, 'PORT', '3000')),
    nodeEnv: read(env, 'NODE_ENV', 'development') as NodeEnv,
    mongoUrl: read(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017/blog'),
    cassandraContactPoints: read(env, 'CASSANDRA_CONTACT_POINTS', '127.0.0.1:9042')
      .split(',')
      .map((entry) => entry.trim()),
    cassandraLocalDc: read(env, 'CASSANDRA_LOCAL_DC', 'datacenter1'),
    cassandraKeyspace: read(env, 'CASSANDRA_KEYSPACE', 'blog'),
    cassandraReplication: read(env, 'CASSANDRA_REPLICATION', '1'),
    cassandraUsername: read(env, 'CASSANDRA_USERNAME', '') || undefined,
    cassandraPassword: read(env, 'CASSANDRA_PASSWORD', '') || undefined,
    cassandraTlsCa: read(env, 'CASSANDRA_TLS_CA', '') || undefined,
    cassandraTlsCert: read(env, 'CASSANDRA_TLS_CERT', '') || undefined,
    cassandraTlsKey: read(env, 'CASSANDRA_TLS_KEY', '') || undefined,
    migrationPhase: read(env, 'MIGRATION_PHASE', 'dual-write') as MigrationPhase,
    healthCheckTimeoutMs: integerOrRaw(read(env, 'HEALTH_CHECK_TIMEOUT_MS', '2000')),
    secondaryWriteTimeoutMs: integerOrRaw(read(env, 'SECONDARY_WRITE_TIMEOUT_MS', '2000')),
    secondaryMaxInFlight: integerOrRaw(read(env, 'SECONDARY_MAX_IN_FLIGHT', '256')),
    mongoConnectTimeoutMs: integerOrRaw(read(env, 'MONGO_CONNECT_TIMEOUT_MS', '10000')),
    mongoServerSelectionTimeoutMs: integerOrRaw(
      read(env, 'MONGO_SERVER_SELECTION_TIMEOUT_MS', '5000'),
    ),
    mongoWaitQueueTimeoutMs: integerOrRaw(read(env, 'MONGO_WAIT_QUEUE_TIMEOUT_MS', '10000')),
    mongoSocketTimeoutMs: driverTimeoutOf(read(env, 'MONGO_SOCKET_TIMEOUT_MS', ''), env, 60_000),
    cassandraConnectTimeoutMs: integerOrRaw(read(env, 'CASSANDRA_CONNECT_TIMEOUT_MS', '5000')),
    cassandraReadTimeoutMs: driverTimeoutOf(
      read(env, 'CASSANDRA_READ_TIMEOUT_MS', ''),
      env,
      12_000,
    ),
    cassandraSpeculativeDelayMs: integerOrRaw(read(env, 'CASSANDRA_SPECULATIVE_DELAY_MS', '200')),
    cassandraSpeculativeExecutions: integerOrRaw(
      read(env, 'CASSANDRA_SPECULATIVE_EXECUTIONS', '1'),
    ),
    cassandraNodeLossRetryMs: integerOrRaw(read(env, 'CASSANDRA_NODE_LOSS_RETRY_MS', '30000')),
    statsMaxAgeMs: integerOrRaw(read(env, 'STATS_MAX_AGE_MS', '15000')),
    hintRetryIntervalMs: parseInterval(read(env, 'HINT_RETRY_INTERVAL', '10s')),
    hintRetryBatch: integerOrRaw(read(env, 'HINT_RETRY_BATCH', '500')),
    hintRetryConcurrency: integerOrRaw(read(env, 'HINT_RETRY_CONCURRENCY', '32')),
    reconcileIntervalMs: parseInterval(read(env, 'RECONCILE_INTERVAL', '1h')),
    phasePollIntervalMs: parsePollInterval(read(env, 'PHASE_POLL_INTERVAL', '1s')),
    sessionSecret: read(env, 'SESSION_SECRET', ''),
    sessionIdleTimeoutMs: parseLongDuration(read(env, 'SESSION_IDLE_TIMEOUT', '2h'), 30 * DAY_MS),
    sessionMaxAgeMs: parseLongDuration(read(env, 'SESSION_MAX_AGE', '7d'), 365 * DAY_MS),
    passwordMinLength: integerOrRaw(read(env, 'PASSWORD_MIN_LENGTH', '10')),
    loginFailuresPerUsername: integerOrRaw(read(env, 'LOGIN_FAILURES_PER_USERNAME', '5')),
    loginFailuresPerAddress: integerOrRaw(read(env, 'LOGIN_FAILURES_PER_ADDRESS', '20')),
    loginFailureWindowMs: parseLongDuration(read(env, 'LOGIN_FAILURE_WINDOW', '15m'), DAY_MS),
    rateLimitComments: integerOrRaw(read(env, 'RATE_LIMIT_COMMENTS', '10')),
    rateLimitWrites: integerOrRaw(read(env, 'RATE_LIMIT_WRITES', '60')),
    trustProxy: read(env, 'TRUST_PROXY', ''),
    commentsPerPost: integerOrRaw(read(env, 'COMMENTS_PER_POST', '1000')),
    authorStatsTop: integerOrRaw(read(env, 'AUTHOR_STATS_TOP', '100')),
    opsPort: env.OPS_PORT?.trim() ? integerOrRaw(env.OPS_PORT.trim()) : undefined,
    opsHost: read(env, 'OPS_HOST', '127.0.0.1'),
    backupKey: read(env, 'BACKUP_KEY', ''),
    metricsToken: read(env, 'METRICS_TOKEN', ''),
    shadowReadRate: parseRate(read(env, 'SHADOW_READ_RATE', '0.01')),
    shadowRecheckDelayMs: parseInterval(read(env, 'SHADOW_RECHECK_DELAY', '2s')),
    shadowQueueLimit: integerOrRaw(read(env, 'SHADOW_QUEUE_LIMIT', '1000')),
    shadowMinSamples: integerOrRaw(read(env, 'SHADOW_MIN_SAMPLES', '200')),
    shadowWindowMs: parseInterval(read(env, 'SHADOW_WINDOW', '1h')),
    httpBodyLimit: parseSize(read(env, 'HTTP_BODY_LIMIT', String(DEFAULT_BODY_LIMIT))),
    httpKeepAliveTimeoutMs: parseInterval(read(env, 'HTTP_KEEP_ALIVE_TIMEOUT', '65s')),
    httpHeadersTimeoutMs: parseInterval(read(env, 'HTTP_HEADERS_TIMEOUT', '66s')),
    httpRequestTimeoutMs: parseInterval(read(env, 'HTTP_REQUEST_TIMEOUT', '5m')),
    migrationsDir: read(env, 'MIGRATIONS_DIR', '') || undefined,
    logLevel: (read(env, 'LOG_LEVEL', '') || undefined) as LogLevelName | undefined,
  });
  const errors = validateSync(config, { stopAtFirstError: true, forbidUnknownValues: true });
  const problems = [
    ...errors.map((error) => Object.values(error.constraints ?? {})[0] ?? ''),
    ...cassandraSecurityProblems(config),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
