import { BeforeApplicationShutdown, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MigrationPhase } from '../config/migration-phase';
import { CassandraPostStore } from './cassandra/cassandra-post-store';
import { CurrentPhase } from './current-phase';
import { DualWritePostStore } from './dual-write/dual-write-post-store';
import { CassandraHintLog } from './hints/cassandra-hint-log';
import { HintLog } from './hints/hint-log';
import { MongoHintLog } from './hints/mongo-hint-log';
import { MongoPostStore } from './mongo/mongo-post-store';
import { PostStore } from './post-store';

/** A phase needs a store whose connection this instance does not have. */
export class StoreNotConnectedError extends Error {
  constructor(phase: MigrationPhase, store: string) {
    super(`phase ${phase} needs ${store}, which this instance is not connected to`);
  }
}

/**
 * The one place that maps a migration phase to the store that serves it:
 *   mongo             → MongoPostStore
 *   dual-write        → DualWritePostStore(Mongo → Cassandra), hints kept in MongoDB
 *   cassandra-primary → DualWritePostStore(Cassandra → Mongo), hints kept in Cassandra
 *   cassandra         → CassandraPostStore
 * Each phase's store is built once and kept, so a phase that comes back finds its counters.
 */
/** Secondary copies in flight per dual-write store before writers wait for their own. */
const MAX_COPIES_IN_FLIGHT = 256;

@Injectable()
export class PostStoreRouter implements BeforeApplicationShutdown {
  private readonly built = new Map<MigrationPhase, PostStore>();
  private readonly logger = new Logger(PostStoreRouter.name);

  constructor(
    private readonly phase: CurrentPhase,
    private readonly config: AppConfig,
    @Optional() private readonly mongo?: MongoPostStore,
    @Optional() private readonly cassandra?: CassandraPostStore,
    @Optional() private readonly mongoHints?: MongoHintLog,
    @Optional() private readonly cassandraHints?: CassandraHintLog,
  ) {}

  /** Before the connections close: let every secondary copy finish or be hinted. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const store of this.built.values()) {
      if (!(store instanceof DualWritePostStore) || store.counters.inFlight === 0) continue;
      this.logger.log(`waiting for ${store.counters.inFlight} copies to ${store.secondary.name}`);
      await store.drain();
    }
  }

  /** The store of the phase this instance serves now. */
  current(): PostStore {
    return this.storeFor(this.phase.get());
  }

  /**
   * The plain stores behind a phase's PostStore (primary first) and, in the dual-write phases,
   * where its hints are kept: for the stats and the migration module, which look at each store.
   */
  partsOf(phase: MigrationPhase): {
    stores: PostStore[];
    hints?: HintLog;
    dual?: DualWritePostStore;
  } {
    const store = this.storeFor(phase);
    if (store instanceof DualWritePostStore) {
      return { stores: [store.primary, store.secondary], hints: store.hints, dual: store };
    }
    return { stores: [store] };
  }

  storeFor(phase: MigrationPhase): PostStore {
    let store = this.built.get(phase);
    if (!store) {
      store = this.build(phase);
      this.built.set(phase, store);
    }
    return store;
  }

  private build(phase: MigrationPhase): PostStore {
    const need = <T>(store: T | undefined, name: string): T => {
      if (!store) throw new StoreNotConnectedError(phase, name);
      return store;
    };
    const options = {
      secondaryTimeoutMs: this.config.secondaryWriteTimeoutMs,
      maxInFlight: MAX_COPIES_IN_FLIGHT,
    };
    switch (phase) {
      case 'mongo':
        return need(this.mongo, 'mongo');
      case 'cassandra':
        return need(this.cassandra, 'cassandra');
      case 'dual-write':
        return new DualWritePostStore(
          need(this.mongo, 'mongo'),
          need(this.cassandra, 'cassandra'),
          need(this.mongoHints, 'mongo'),
          options,
        );
      case 'cassandra-primary':
        return new DualWritePostStore(
          need(this.cassandra, 'cassandra'),
          need(this.mongo, 'mongo'),
          need(this.cassandraHints, 'cassandra'),
          options,
        );
    }
  }
}
