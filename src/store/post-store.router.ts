import { AsyncLocalStorage } from 'node:async_hooks';
import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MigrationPhase, phasePlan, StoreName } from '../config/migration-phase';
import { CurrentPhase } from '../control/current-phase';
import { BlogMetrics } from '../metrics/blog-metrics';
import { AccountStore } from './account-store';
import { DualWriteAccountStore } from './dual-write/dual-write-account-store';
import { DualWritePostStore } from './dual-write/dual-write-post-store';
import { SecondaryCopier, SecondaryCopies } from './dual-write/secondary-copier';
import { HintLogs } from './hints/hint-logs';
import { PostStore } from './post-store';
import { Replicas } from './replicas';
import { timedStore } from './timed-store';

/**
 * Builds the stores that serve a migration phase from its plan (phasePlan): the primary's
 * PostStore and AccountStore alone, or dual-write ones copying to the secondary's Replica with
 * their hints in the primary, through one SecondaryCopier per phase. Each phase's stores are
 * built once and kept, so a phase that comes back finds its counters; the copier is registered
 * (SecondaryCopies) for draining and stats.
 *
 * A request is pinned to the phase served when it started (`pin`): every store call it makes
 * goes to that phase's store even if the phase changes meanwhile, and the router counts the
 * requests still running on each phase, so an instance can tell when it has left one behind.
 */
export class PostStoreRouter implements BeforeApplicationShutdown {
  private readonly built = new Map<MigrationPhase, PhaseStores>();
  private readonly copies = new Map<MigrationPhase, SecondaryCopier>();
  private readonly logger = new Logger(PostStoreRouter.name);
  private readonly pinned = new AsyncLocalStorage<MigrationPhase>();
  private readonly running = new Map<MigrationPhase, number>();

  private readonly plain: Readonly<Record<StoreName, PostStore>>;
  private readonly plainAccounts: Readonly<Record<StoreName, AccountStore>>;

  /**
   * Every store a request reaches goes through here, so this is where their operations are
   * timed (blog_store_operation_duration_seconds) and the copies' outcomes counted.
   */
  constructor(
    private readonly phase: CurrentPhase,
    private readonly config: AppConfig,
    plain: Readonly<Record<StoreName, PostStore>>,
    plainAccounts: Readonly<Record<StoreName, AccountStore>>,
    private readonly replicas: Replicas,
    private readonly hintLogs: HintLogs,
    private readonly metrics: BlogMetrics,
  ) {
    const timed = <T extends object>(stores: Readonly<Record<StoreName, T>>) => ({
      mongo: timedStore(stores.mongo, 'mongo', metrics.storeDuration),
      cassandra: timedStore(stores.cassandra, 'cassandra', metrics.storeDuration),
    });
    this.plain = timed(plain);
    this.plainAccounts = timed(plainAccounts);
  }

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
   * running there, and their copies to the secondary still in flight (until written or hinted
   * and their operation on the secondary ended; `phase set` waits for both, so a switch never
   * overtakes a write of the phase before).
   */
  draining(): number {
    const now = this.phase.get();
    let count = 0;
    for (const [phase, running] of this.running) if (phase !== now) count += running;
    for (const [phase, copies] of this.copies) {
      if (phase !== now) count += copies.counters.inFlight;
    }
    return count;
  }

  /**
   * Before the connections close: let every secondary copy be written or hinted and its
   * operation end (also the hints of copies not started, which requests are waiting for).
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (const copies of this.copies.values()) {
      if (copies.counters.inFlight > 0) {
        this.logger.log(
          `waiting for ${copies.counters.inFlight} copies to ${copies.secondaryName}`,
        );
      }
      await copies.drain();
    }
  }

  /** The store of the running request's phase, else of the phase this instance serves now. */
  current(): PostStore {
    return this.storeFor(this.pinned.getStore() ?? this.phase.get());
  }

  /** The phase of the running request, else the phase this instance serves now. */
  currentPhase(): MigrationPhase {
    return this.pinned.getStore() ?? this.phase.get();
  }

  /** The account store of the running request's phase, else of the phase served now. */
  currentAccounts(): AccountStore {
    return this.storesFor(this.pinned.getStore() ?? this.phase.get()).accounts;
  }

  /** A store on its own (no copies), for what looks at each store: stats. */
  storeNamed(name: StoreName): PostStore {
    return this.plain[name];
  }

  /** The copies of a dual-write phase's store to its secondary (undefined: one store). */
  copiesOf(phase: MigrationPhase): SecondaryCopies | undefined {
    this.storesFor(phase);
    return this.copies.get(phase);
  }

  storeFor(phase: MigrationPhase): PostStore {
    return this.storesFor(phase).posts;
  }

  accountsFor(phase: MigrationPhase): AccountStore {
    return this.storesFor(phase).accounts;
  }

  private storesFor(phase: MigrationPhase): PhaseStores {
    let stores = this.built.get(phase);
    if (!stores) {
      stores = this.build(phase);
      this.built.set(phase, stores);
    }
    return stores;
  }

  private build(phase: MigrationPhase): PhaseStores {
    const plan = phasePlan(phase);
    const posts = this.plain[plan.primary];
    const accounts = this.plainAccounts[plan.primary];
    if (!plan.secondary || !plan.hintLog) return { posts, accounts };
    const { storeDuration, secondaryCopies } = this.metrics;
    const secondary = plan.secondary;
    const copier = new SecondaryCopier(
      posts.name,
      // the copies' own time, on the secondary (a request does not wait for it)
      timedStore(this.replicas.get(secondary), secondary, storeDuration),
      this.hintLogs.get(plan.hintLog),
      {
        secondaryTimeoutMs: this.config.secondaryWriteTimeoutMs,
        maxInFlight: this.config.secondaryMaxInFlight,
        onOutcome: (outcome) => secondaryCopies.inc({ store: secondary, outcome }),
      },
    );
    this.copies.set(phase, copier);
    return {
      posts: new DualWritePostStore(posts, copier),
      accounts: new DualWriteAccountStore(accounts, copier),
    };
  }
}

/** What a phase serves features with. */
interface PhaseStores {
  posts: PostStore;
  accounts: AccountStore;
}
