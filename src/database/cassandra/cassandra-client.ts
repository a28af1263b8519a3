import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { once } from 'node:events';
import { Client, ClientOptions, QueryOptions, policies, types } from 'cassandra-driver';
import { AppConfig } from '../../config/app-config';
import { SafeRetryPolicy, speculativeExecutionPolicy } from './cassandra-policies';
import { cassandraSecurityOptions } from './cassandra-security';
import { CqlIdempotenceCheck } from './cql-idempotence';
import { retryOnNodeLoss } from './node-loss-retry';

/** Per-query options later code may set; everything else is fixed by this wrapper. */
export interface CassandraQueryOptions {
  /**
   * Safe to run twice (no LWT, counter, list append or server-generated value): the driver may
   * retry it once on another node, and speculate it if it is a read; after a server-side timeout
   * it is resent for up to CASSANDRA_NODE_LOSS_RETRY_MS (node-loss-retry.ts). Claiming it for a
   * statement that is not throws IdempotenceMisuseError (cql-idempotence.ts).
   */
  idempotent: boolean;
  consistency?: types.consistencies;
  /** For lightweight transactions (IF ...): the Paxos round's consistency. */
  serialConsistency?: types.consistencies;
  /** Write timestamp in microseconds (the data rules derive it from a post's version). */
  timestamp?: number | types.Long;
  fetchSize?: number;
  pageState?: string;
}

export interface CassandraStatement {
  query: string;
  params: unknown[];
}

export interface CassandraPage {
  rows: types.Row[];
  /** Pass back to get the next page; undefined once the last page has been read. */
  pageState?: string;
}

/** Builds the driver options; exported for the unit test of what we promise about them. */
export function cassandraClientOptions(config: AppConfig): ClientOptions {
  const firstPort = /:(\d+)$/.exec(config.cassandraContactPoints[0] ?? '')?.[1];
  return {
    contactPoints: config.cassandraContactPoints,
    localDataCenter: config.cassandraLocalDc,
    // Peers discovered later are reached on the same port as the first contact point.
    protocolOptions: { port: firstPort ? Number(firstPort) : 9042 },
    // Two connections to each local node: an idempotent request whose connection was reset is
    // retried on the other one, so even a one-node cluster survives a dropped connection.
    pooling: { coreConnectionsPerHost: { [types.distance.local]: 2, [types.distance.remote]: 1 } },
    // No keyspace: the first schema migration creates it, so queries name `${keyspace}.table`.
    queryOptions: { consistency: types.consistencies.localQuorum, prepare: true },
    policies: {
      // Back after a restart within seconds, without hammering a node that is still down.
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(1000, 5000),
      // Idempotent statements once more on another node; the others never (docs/cassandra-driver.md).
      retry: new SafeRetryPolicy(),
      speculativeExecution: speculativeExecutionPolicy(
        config.cassandraSpeculativeDelayMs,
        config.cassandraSpeculativeExecutions,
      ),
      // The driver's default clock, named so a write that may be resent takes its timestamp
      // from it once (node-loss-retry.ts); drift warnings at most once a second.
      timestampGeneration: new policies.timestampGeneration.MonotonicTimestampGenerator(1000, 1000),
    },
    // A request a node never answers fails after readTimeout, so nothing waits on it for ever
    // (a dual-write copy holds its slot until then); at least the app's own timeouts.
    socketOptions: {
      connectTimeout: config.cassandraConnectTimeoutMs,
      readTimeout: config.cassandraReadTimeoutMs,
    },
    ...cassandraSecurityOptions(config),
  };
}

/**
 * The app's one Cassandra session. StoreConnections connects it when a phase uses Cassandra
 * (a query before that connects it too); it shuts down cleanly with the app.
 */
@Injectable()
export class CassandraClient implements OnApplicationShutdown {
  private readonly logger = new Logger(CassandraClient.name);
  private readonly client: Client;
  private readonly idempotence = new CqlIdempotenceCheck();
  private readonly timestamps: policies.timestampGeneration.TimestampGenerator;
  private readonly nodeLossRetryMs: number;
  private lastRetryWarning = 0;
  /** The keyspace every table lives in; write CQL as `${client.keyspace}.table`. */
  readonly keyspace: string;

  constructor(config: AppConfig) {
    this.keyspace = config.cassandraKeyspace;
    this.nodeLossRetryMs = config.cassandraNodeLossRetryMs;
    const options = cassandraClientOptions(config);
    this.timestamps = options.policies!.timestampGeneration!;
    this.client = new Client(options);
    // cassandra-driver 4.10 replaces a host object when its control connection reconnects
    // through the contact points (after every node was unreachable) but never closes the old
    // host's pool, which then keeps reconnecting for ever. Close it when it leaves the map.
    this.client.on('hostRemove', (host: { shutdown?: (wait: boolean) => Promise<void> }) => {
      host
        .shutdown?.(false)
        .catch((error: unknown) =>
          this.logger.warn(`closing a replaced Cassandra host pool failed: ${String(error)}`),
        );
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Opens the connection pool; safe to call more than once. */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Closes every connection; the process can exit afterwards without open handles. */
  async shutdown(): Promise<void> {
    // cassandra-driver 4.10's shutdown() returns at once while a first connect is still running,
    // and that attempt then keeps the process alive for good: let it finish first.
    if ((this.client as unknown as { connecting?: boolean }).connecting) {
      await once(this.client, 'connected');
    }
    await this.client.shutdown();
  }

  /** Qualifies a table name with the keyspace. */
  table(name: string): string {
    return `${this.keyspace}.${name}`;
  }

  /**
   * Runs one prepared statement (LOCAL_QUORUM unless overridden). `idempotent` is required so
   * every caller decides whether the driver may retry it.
   */
  async execute(
    cql: string,
    params: unknown[] = [],
    options: CassandraQueryOptions,
  ): Promise<types.ResultSet> {
    const { kind } = this.idempotence.check(cql, options.idempotent);
    const queryOptions = this.queryOptions(this.pinned(options, kind === 'read'));
    return this.resend(options, () => this.client.execute(cql, params, queryOptions));
  }

  /** Runs a batch of prepared statements; logged unless `logged: false` (same partition). */
  async batch(
    statements: CassandraStatement[],
    options: CassandraQueryOptions & { logged?: boolean },
  ): Promise<void> {
    if (statements.length === 0) return;
    for (const { query } of statements) this.idempotence.check(query, options.idempotent);
    const queries = statements.map(({ query, params }) => ({ query, params }));
    const batchOptions = {
      ...this.queryOptions(this.pinned(options)),
      logged: options.logged ?? true,
    };
    await this.resend(options, () => this.client.batch(queries, batchOptions));
  }

  /** Reads one page; hand `pageState` back to continue where it stopped. */
  async page(
    cql: string,
    params: unknown[],
    options: CassandraQueryOptions & { fetchSize: number },
  ): Promise<CassandraPage> {
    const result = await this.execute(cql, params, options);
    return { rows: result.rows, pageState: result.pageState ?? undefined };
  }

  /** Iterates over every row, fetching pages of `fetchSize` as it goes (for backfills). */
  async *rows(
    cql: string,
    params: unknown[],
    options: CassandraQueryOptions & { fetchSize: number },
  ): AsyncGenerator<types.Row> {
    let pageState: string | undefined;
    do {
      const page = await this.page(cql, params, { ...options, pageState });
      yield* page.rows;
      pageState = page.pageState;
    } while (pageState);
  }

  /**
   * Runs a schema statement (CREATE/ALTER/DROP) unprepared: DDL has no parameters and
   * preparing it would only fill the prepared-statement cache. The driver waits for schema
   * agreement before resolving.
   */
  async executeDdl(cql: string): Promise<void> {
    this.logger.debug(`DDL: ${cql.replace(/\s+/g, ' ')}`);
    await this.client.execute(cql, [], { prepare: false, isIdempotent: true });
  }

  /**
   * An idempotent write that may be resent gets its write timestamp now, once: every attempt
   * then carries the same one, so a late earlier attempt and the resend write the same cells at
   * the same time, and neither can overwrite a newer write.
   */
  private pinned(options: CassandraQueryOptions, read = false): CassandraQueryOptions {
    if (read || !options.idempotent || this.nodeLossRetryMs === 0) return options;
    if (options.timestamp !== undefined) return options;
    return { ...options, timestamp: this.timestamps.next(this.client) };
  }

  /** Runs an idempotent statement with the node-loss resends; any other once. */
  private resend<T>(options: CassandraQueryOptions, attempt: () => Promise<T>): Promise<T> {
    if (!options.idempotent || this.nodeLossRetryMs === 0) return attempt();
    return retryOnNodeLoss(attempt, {
      budgetMs: this.nodeLossRetryMs,
      onRetry: (error, delayMs) => {
        // one line every 5 s at most: a dead node makes every in-flight statement retry
        if (Date.now() - this.lastRetryWarning < 5000) return;
        this.lastRetryWarning = Date.now();
        this.logger.warn(
          `Cassandra answered a server-side timeout (a replica may have died and not been convicted yet); idempotent statements are resent for up to ${this.nodeLossRetryMs} ms, next in ${delayMs} ms: ${(error as Error).message}`,
        );
      },
    });
  }

  private queryOptions(options: CassandraQueryOptions): QueryOptions {
    return {
      prepare: true,
      isIdempotent: options.idempotent,
      ...(options.consistency !== undefined && { consistency: options.consistency }),
      ...(options.serialConsistency !== undefined && {
        serialConsistency: options.serialConsistency,
      }),
      ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
      ...(options.fetchSize !== undefined && { fetchSize: options.fetchSize }),
      ...(options.pageState !== undefined && { pageState: options.pageState }),
    };
  }
}
