import { Logger } from '@nestjs/common';
import { ConflictError } from '../../common/errors/service-errors';
import { reasonOf, withTimeout } from '../../common/with-timeout';
import { Hint, HintLog } from '../hints/hint-log';
import { currentRequestId } from '../../common/logging/request-context';
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
  /** A secondary copy slower than this counts as missed (hinted); its operation still runs. */
  secondaryTimeoutMs: number;
  /**
   * SECONDARY_MAX_IN_FLIGHT: copies whose operation on the secondary has not ended yet. Past it
   * a copy is not started but hinted at once (a write to the primary, which just answered), so a
   * slow secondary costs writers one small write, never a wait for it, and pending work stays
   * bounded in memory and in the secondary's connections.
   */
  maxInFlight: number;
  /** Hears how each copy ended (the metrics' blog_secondary_copies_total); must be cheap. */
  onOutcome?: (outcome: CopyOutcome) => void;
}

/**
 * How a copy ended: written to the secondary in time, hinted (failed, timed out or not started,
 * kept for the retry), or failed (missed and its hint could not be stored either).
 */
export type CopyOutcome = 'written' | 'hinted' | 'failed';

/** What the dual-write saw of its secondary since start, for stats and logs. */
export interface SecondaryCounters {
  /** copies asked for (started, or hinted at once) */
  writes: number;
  /**
   * copies started whose operation on the secondary has not ended yet (also after it timed out
   * and was hinted: the operation still holds a connection), or whose hint is being stored;
   * never above maxInFlight
   */
  inFlight: number;
  /** copies hinted: failed, timed out, or not started past maxInFlight */
  missed: number;
  /** of missed: not started because maxInFlight copies were in flight (hinted at once) */
  shed: number;
  /** misses whose hint could not be stored either: only a full reconcile finds these */
  unhinted: number;
}

/**
 * The copies a dual-write phase makes to its secondary, as the router and stats see them:
 * counters, and a way to wait until every copy started so far has ended.
 */
export interface SecondaryCopies {
  readonly secondaryName: string;
  readonly counters: SecondaryCounters;
  /**
   * Resolves once every copy asked for so far is written or hinted and its operation on the
   * secondary has ended (the drivers' own timeouts bound that: docs/configuration.md).
   */
  drain(): Promise<void>;
}

/** Which record a copy is of: what its hint says if it misses. */
export type CopyTarget = Omit<Hint, 'at' | 'error'>;

/** At most one summary line this often about copies hinted at once (they can be many a second). */
const SHED_LOG_EVERY_MS = 10_000;

/**
 * A dual-write phase's copies to its secondary, shared by every record kind's dual-write store
 * of that phase (posts, accounts), so draining, counters and the bound cover them all.
 *
 * The primary's answer decides the request (`onPrimary`); only then is the same version copied
 * to the secondary as a replica write (idempotent, ordered by version, so copies may land in any
 * order). A secondary that fails or is slower than secondaryTimeoutMs never fails the request:
 * the miss is logged with the record's id and kept as a hint in the primary for the retry loop.
 * The request does not wait for its copy.
 *
 * A copy holds one of maxInFlight slots until its operation on the secondary has really ended,
 * also after it timed out and was hinted (the drivers' timeouts end it). With every slot taken, a
 * copy is not started: it is hinted at once and the request waits for that hint only (a write to
 * the primary), so it is durable before the answer. Waiting for a slot instead would make every
 * write as slow as the secondary; starting it anyway is the unbounded pile-up this prevents.
 * drain() waits for every copy, and shutdown drains, so only a crash can drop a started copy
 * before it is written or hinted (the reconciliation finds such a record by comparing stores).
 */
export class SecondaryCopier implements SecondaryCopies {
  private readonly tally = { writes: 0, missed: 0, shed: 0, unhinted: 0 };
  /** copies holding a slot */
  private running = 0;
  /** everything drain() waits for: started copies and the hints of copies not started */
  private readonly pending = new Set<Promise<void>>();
  private readonly shedLog = { at: 0, since: 0 };
  private readonly logger = new Logger('DualWrite');

  constructor(
    readonly primaryName: string,
    readonly secondary: Replica,
    readonly hints: HintLog,
    private readonly options: DualWriteOptions,
  ) {}

  get counters(): SecondaryCounters {
    return { ...this.tally, inFlight: this.running };
  }

  get secondaryName(): string {
    return this.secondary.name;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
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

  /**
   * Starts the copy and resolves at once; past maxInFlight copies in flight, hints it instead
   * and resolves once the hint is stored. Never rejects.
   */
  copy(target: CopyTarget, write: (secondary: Replica) => Promise<void>): Promise<void> {
    this.tally.writes++;
    if (this.running >= this.options.maxInFlight) {
      this.tally.shed++;
      this.noteShed();
      const reason = `not started: ${this.options.maxInFlight} copies to ${this.secondary.name} in flight (SECONDARY_MAX_IN_FLIGHT)`;
      return this.track(this.hint(target, reason, false));
    }
    this.running++;
    // the slot is free before drain() can see the copy end
    void this.track(this.mirror(target, () => write(this.secondary)).finally(() => this.running--));
    return Promise.resolve();
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }

  /**
   * Copies to the secondary; a failure or timeout becomes a log line and a hint, never an error.
   * Ends only once the operation has: until then it holds its slot.
   */
  private async mirror(target: CopyTarget, write: () => Promise<void>): Promise<void> {
    let operation: Promise<void>;
    try {
      operation = write();
    } catch (error) {
      operation = Promise.reject(error);
    }
    const ended = operation.then(
      () => undefined,
      () => undefined,
    );
    try {
      await withTimeout(
        operation,
        this.options.secondaryTimeoutMs,
        `${this.secondary.name} (secondary)`,
      );
      this.options.onOutcome?.('written');
    } catch (error) {
      await this.hint(target, reasonOf(error), true);
    }
    await ended;
  }

  /** Keeps a hint of the missed copy; logs it (`logEach`) or leaves it to the shed summary. */
  private async hint(target: CopyTarget, reason: string, logEach: boolean): Promise<void> {
    this.tally.missed++;
    // the copy runs in the writing request's async context, after its answer: still its id
    const requestId = currentRequestId();
    const hint: Hint = {
      ...target,
      at: nowMicros(),
      error: reason,
      ...(requestId && { requestId }),
    };
    const what = `${target.op} of ${target.entity} ${target.id}`;
    try {
      await this.hints.record(hint);
      this.options.onOutcome?.('hinted');
      if (logEach) {
        this.logger.warn(
          `${this.secondary.name} (secondary) missed the ${what}: ${hint.error}; hint kept in ${this.hints.store}`,
        );
      }
    } catch (hintError) {
      this.tally.unhinted++;
      this.options.onOutcome?.('failed');
      this.logger.error(
        `${this.secondary.name} (secondary) missed the ${what}: ${hint.error}; the hint could not be stored in ${this.hints.store} either (${reasonOf(hintError)}): the stores differ until the next reconcile`,
      );
    }
  }

  /** One warning when shedding starts, then a count at most every SHED_LOG_EVERY_MS. */
  private noteShed(): void {
    this.shedLog.since++;
    const now = Date.now();
    if (now - this.shedLog.at < SHED_LOG_EVERY_MS) return;
    this.logger.warn(
      `${this.shedLog.since} copies to ${this.secondary.name} (secondary) not started: ${this.options.maxInFlight} copies in flight (SECONDARY_MAX_IN_FLIGHT); hinted in ${this.hints.store} for the retry`,
    );
    this.shedLog.at = now;
    this.shedLog.since = 0;
  }
}
