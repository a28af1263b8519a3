import { AsyncLocalStorage } from 'node:async_hooks';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
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

/**
 * The one place that maps a migration phase to the store that serves it:
 *   mongo             → MongoPostStore
 *   dual-write        → DualWritePostStore(Mongo → Cassandra), hints kept in MongoDB
 *   cassandra-primary → DualWritePostStore(Cassandra → Mongo), hints kept in Cassandra
 *   cassandra         → CassandraPostStore
 * Each phase's store is built once and kept, so a phase that comes back finds its counters.
 *
 * A request is pinned to the phase served when it started (`pin`): every store call it makes
 * goes to that phase's store even if the phase changes meanwhile, and the router counts the
 * requests still running on each phase, so an instance can tell when it has left one behind.
 */
/** Secondary copies in flight per dual-write store before writers wait for their own. */
const MAX_COPIES_IN_FLIGHT = 256;

@Injectable()
export class PostStoreRouter implements BeforeApplicationShutdown {
  private readonly built = new Map<MigrationPhase, PostStore>();
  private readonly logger = new Logger(PostStoreRouter.name);
  private readonly pinned = new AsyncLocalStorage<MigrationPhase>();
  private readonly running = new Map<MigrationPhase, number>();

  constructor(
    private readonly phase: CurrentPhase,
    private readonly config: AppConfig,
    private readonly mongo: MongoPostStore,
    private readonly cassandra: CassandraPostStore,
    private readonly mongoHints: MongoHintLog,
    private readonly cassandraHints: CassandraHintLog,
  ) {}

  /**
   * Runs `work` (a request) on the phase served now, whatever phase changes happen before it
   * ends. A request that may write is counted until it ends (`onEnd` is handed the callback
   * that marks its end); a read is not: what it reads from the old phase's store changes
   * nothing, so nobody needs to wait for it.
   */
  pin(
    work: (phase: MigrationPhase) => void,
    request: { writes: boolean; onEnd: (ended: () => void) => void },
  ): void {
    const phase = this.phase.get();
    if (request.writes) {
      this.running.set(phase, (this.running.get(phase) ?? 0) + 1);
      request.onEnd(() => this.running.set(phase, (this.running.get(phase) ?? 1) - 1));
    }
    this.pinned.run(phase, () => work(phase));
  }

  /**
   * Runs background work that writes (a scheduled job) pinned to the phase served now, counted
   * like a writing request: once the phase moves on it is draining until it ends, so `phase set`
   * waits for it and no job of the phase before writes after the switch has returned.
   */
  run<T>(work: (phase: MigrationPhase) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let ended = () => {};
      this.pin(
        (phase) => {
          work(phase)
            .finally(() => ended())
            .then(resolve, reject);
        },
        { writes: true, onEnd: (end) => (ended = end) },
      );
    });
  }

  /**
   * Writes not finished on the stores of phases other than the one served now: requests still
   * running there, and their copies to the secondary still in flight (a copy ends written or
   * hinted; `phase set` waits for both, so a switch never overtakes a write of the phase before).
   */
  draining(): number {
    const now = this.phase.get();
    let count = 0;
    for (const [phase, running] of this.running) if (phase !== now) count += running;
    for (const [phase, store] of this.built) {
      if (phase !== now && store instanceof DualWritePostStore) count += store.counters.inFlight;
    }
    return count;
  }

  /** Before the connections close: let every secondary copy finish or be hinted. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const store of this.built.values()) {
      if (!(store instanceof DualWritePostStore) || store.counters.inFlight === 0) continue;
      this.logger.log(`waiting for ${store.counters.inFlight} copies to ${store.secondary.name}`);
      await store.drain();
    }
  }

  /** The store of the running request's phase, else of the phase this instance serves now. */
  current(): PostStore {
    return this.storeFor(this.pinned.getStore() ?? this.phase.get());
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
    const options = {
      secondaryTimeoutMs: this.config.secondaryWriteTimeoutMs,
      maxInFlight: MAX_COPIES_IN_FLIGHT,
    };
    switch (phase) {
      case 'mongo':
        return this.mongo;
      case 'cassandra':
        return this.cassandra;
      case 'dual-write':
        return new DualWritePostStore(this.mongo, this.cassandra, this.mongoHints, options);
      case 'cassandra-primary':
        return new DualWritePostStore(this.cassandra, this.mongo, this.cassandraHints, options);
    }
  }
}
