import { Logger } from '@nestjs/common';
import { ConflictError } from '../../common/errors/service-errors';
import { reasonOf, withTimeout } from '../../common/with-timeout';
import { Hint, HintLog } from '../hints/hint-log';
import { Replica } from '../replica';
import { StoreUnavailableError } from '../store-errors';
import { nowMicros } from '../versions';

/** The primary store refused a write: the request fails and nothing was written anywhere. */
export class DualWritePrimaryError extends StoreUnavailableError {
  constructor(
    readonly store: string,
    readonly operation: string,
    readonly recordId: string,
    override readonly cause: unknown,
  ) {
    super(`${store} (primary) failed to ${operation} ${recordId}: ${reasonOf(cause)}`, cause);
    this.name = 'DualWritePrimaryError';
  }
}

export interface DualWriteOptions {
  /** A secondary copy slower than this counts as missed (hinted). */
  secondaryTimeoutMs: number;
  /**
   * Copies in flight before a request waits for its own copy instead of answering at once
   * (backpressure: a slow secondary slows writers down rather than piling up memory).
   */
  maxInFlight: number;
}

/** What the dual-write saw of its secondary since start, for stats and logs. */
export interface SecondaryCounters {
  writes: number;
  /** copies started and not finished (written or hinted) yet */
  inFlight: number;
  missed: number;
  /** misses whose hint could not be stored either: only a full reconcile finds these */
  unhinted: number;
}

/**
 * The copies a dual-write phase makes to its secondary, as the router and stats see them:
 * counters, and a way to wait until every copy started so far is written or hinted.
 */
export interface SecondaryCopies {
  readonly secondaryName: string;
  readonly counters: SecondaryCounters;
  /** Resolves once every copy started so far is written or hinted. */
  drain(): Promise<void>;
}

/** Which record a copy is of: what its hint says if it misses. */
export type CopyTarget = Omit<Hint, 'at' | 'error'>;

/**
 * A dual-write phase's copies to its secondary, shared by every record kind's dual-write store
 * of that phase (posts, accounts), so draining and counters cover them all.
 *
 * The primary's answer decides the request (`onPrimary`); only then is the same version copied
 * to the secondary as a replica write (idempotent, ordered by version, so copies may land in any
 * order). A secondary that fails or is too slow never fails the request: the miss is logged with
 * the record's id and kept as a hint in the primary for the retry loop. The request does not wait
 * for the copy unless maxInFlight copies are already running; drain() waits for every copy, and
 * shutdown drains, so only a crash can drop a copy before it is written or hinted (the
 * reconciliation finds such a record by comparing the stores).
 */
export class SecondaryCopier implements SecondaryCopies {
  private readonly tally = { writes: 0, missed: 0, unhinted: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly logger = new Logger('DualWrite');

  constructor(
    readonly primaryName: string,
    readonly secondary: Replica,
    readonly hints: HintLog,
    private readonly options: DualWriteOptions,
  ) {}

  get counters(): SecondaryCounters {
    return { ...this.tally, inFlight: this.inFlight.size };
  }

  get secondaryName(): string {
    return this.secondary.name;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** The primary's write; its failure is the request's, named as the primary's. */
  async onPrimary<T>(operation: string, id: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      // a decision (a username taken) is the request's answer, not an outage
      if (error instanceof ConflictError) throw error;
      throw new DualWritePrimaryError(this.primaryName, operation, id, error);
    }
  }

  /** Starts the copy; resolves at once, or when it is done if too many copies are running. */
  copy(target: CopyTarget, write: (secondary: Replica) => Promise<void>): Promise<void> {
    const done = this.mirror(target, () => write(this.secondary)).finally(() => {
      this.inFlight.delete(done);
    });
    this.inFlight.add(done);
    return this.inFlight.size > this.options.maxInFlight ? done : Promise.resolve();
  }

  /** Copies to the secondary; a failure or timeout becomes a log line and a hint, never an error. */
  private async mirror(target: CopyTarget, write: () => Promise<void>) {
    this.tally.writes++;
    try {
      await withTimeout(
        write(),
        this.options.secondaryTimeoutMs,
        `${this.secondary.name} (secondary)`,
      );
      return;
    } catch (error) {
      this.tally.missed++;
      const hint: Hint = { ...target, at: nowMicros(), error: reasonOf(error) };
      const what = `${target.op} of ${target.entity} ${target.id}`;
      try {
        await this.hints.record(hint);
        this.logger.warn(
          `${this.secondary.name} (secondary) missed the ${what}: ${hint.error}; hint kept in ${this.hints.store}`,
        );
      } catch (hintError) {
        this.tally.unhinted++;
        this.logger.error(
          `${this.secondary.name} (secondary) missed the ${what}: ${hint.error}; the hint could not be stored in ${this.hints.store} either (${reasonOf(hintError)}): the stores differ until the next reconcile`,
        );
      }
    }
  }
}
