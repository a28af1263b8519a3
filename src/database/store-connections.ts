import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import mongoose, { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { StoreName, StoresUsed } from '../config/migration-phase';
import { CassandraClient } from './cassandra/cassandra-client';
import { sleep } from '../common/sleep';
import { connectFailureReason, isPermanentConnectFailure } from './connect-errors';

/** Mongoose options shared by the app and the CLI; they win over the same options in MONGO_URL. */
export function mongooseOptions(config: AppConfig) {
  return {
    // Indexes and collections belong to migrations/mongo, never to schema classes at boot.
    autoIndex: false,
    autoCreate: false,
    // Fail fast instead of queueing queries while disconnected; the driver still reconnects.
    bufferCommands: false,
    // Every wait of an operation is bounded, so none runs for ever on a hung server (a
    // dual-write copy holds its slot until its operation ends): finding a server, getting a
    // pooled connection, opening one, and an answer (the socket timeout; the driver has no
    // default for it).
    serverSelectionTimeoutMS: config.mongoServerSelectionTimeoutMs,
    waitQueueTimeoutMS: config.mongoWaitQueueTimeoutMs,
    connectTimeoutMS: config.mongoConnectTimeoutMs,
    socketTimeoutMS: config.mongoSocketTimeoutMs,
  } as const;
}

/** Connecting at boot: a few quick tries before giving up. */
const BOOT_ATTEMPTS = 3;
const BOOT_RETRY_DELAY_MS = 1000;

/** The unopened Mongoose connection; StoreConnections opens it when MongoDB is needed. */
export const mongoConnectionProvider = {
  provide: getConnectionToken(),
  useFactory: (): Connection => {
    const connection = mongoose.createConnection();
    // Before it is opened too: a query on a closed connection fails instead of waiting.
    connection.set('bufferCommands', false);
    return connection;
  },
};

/** A store this process needs could not be reached. */
export class StoreUnreachableError extends Error {
  constructor(
    readonly store: StoreName,
    reason: string,
  ) {
    super(`${store} is unreachable: ${reason}`);
    this.name = 'StoreUnreachableError';
  }
}

/**
 * Opens the two databases when they are needed, not before: at boot only the stores the
 * starting phase uses (`required`, and boot fails if one is unreachable); the other when a phase
 * change needs it, so an instance in phase `mongo` runs without any Cassandra and one in phase
 * `cassandra` after MongoDB has been removed.
 */
@Injectable()
export class StoreConnections implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StoreConnections.name);
  private readonly opening = new Map<StoreName, Promise<void>>();
  private readonly open = new Set<StoreName>();

  constructor(
    private readonly config: AppConfig,
    private readonly cassandra: CassandraClient,
    private readonly mongo: Connection,
    private readonly required: StoresUsed,
  ) {}

  async onModuleInit(): Promise<void> {
    const stores = (['mongo', 'cassandra'] as const).filter((store) => this.required[store]);
    await Promise.all(stores.map((store) => this.ensure(store, BOOT_ATTEMPTS)));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.opening.values()]);
    // CassandraClient closes itself; the Mongoose connection is ours.
    if (this.open.has('mongo')) await this.mongo.close();
  }

  /** Whether the store's connection has been opened (it may still be down right now). */
  isOpen(store: StoreName): boolean {
    return this.open.has(store);
  }

  /**
   * Opens the store's connection unless it is open; concurrent callers share one attempt.
   * Throws StoreUnreachableError after `attempts` failed tries (a second apart).
   */
  async ensure(store: StoreName, attempts = 1): Promise<void> {
    if (this.open.has(store)) return;
    let pending = this.opening.get(store);
    if (!pending) {
      pending = this.connect(store, attempts).finally(() => this.opening.delete(store));
      this.opening.set(store, pending);
    }
    await pending;
  }

  private async connect(store: StoreName, attempts: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (store === 'cassandra') await this.cassandra.connect();
        else await this.mongo.openUri(this.config.mongoUrl, mongooseOptions(this.config));
        this.open.add(store);
        this.logger.log(`connected to ${store}`);
        return;
      } catch (error) {
        const reason = connectFailureReason(error);
        if (attempt >= attempts || isPermanentConnectFailure(error)) {
          throw new StoreUnreachableError(store, reason);
        }
        this.logger.warn(`connecting to ${store} failed (attempt ${attempt}): ${reason}`);
        await sleep(BOOT_RETRY_DELAY_MS);
      }
    }
  }
}
