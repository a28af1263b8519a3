import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { reasonOf } from '../common/with-timeout';
import { MigrationPhase } from '../config/migration-phase';
import { ShadowKind, kindOfRead, ShadowRead } from './shadow-compare';
import { firstLook, ReadAnswer, recheck, ShadowSides } from './shadow-check';
import { SampleResult, ShadowLedger } from './shadow-ledger';

/** Sampled reads running against the stores at once; the rest wait in the queue. */
export const SHADOW_CONCURRENCY = 4;

export interface SamplerSettings {
  /** SHADOW_READ_RATE */
  rate: number;
  /** SHADOW_RECHECK_DELAY */
  recheckDelayMs: number;
  /** SHADOW_QUEUE_LIMIT: samples waiting, running or waiting for their recheck */
  queueLimit: number;
}

/** What the sampler needs around it (the stores of a phase, where results go). */
export interface SamplerDeps {
  /** the phase of the running request, and its two stores (undefined: one store, no sample) */
  sidesNow(): { phase: MigrationPhase; sides?: ShadowSides };
  ledger: Pick<ShadowLedger, 'count' | 'recordMismatches' | 'closeMatched'>;
  /** counts a finished sample (BlogMetrics.shadowReads) */
  counted(kind: ShadowKind, result: Exclude<SampleResult, 'dropped'>): void;
  random?: () => number;
}

interface Task {
  phase: MigrationPhase;
  sides: ShadowSides;
  read: ShadowRead;
  answer: ReadAnswer;
}

/**
 * Shadow reads (docs/shadow-reads.md): `offer` is called with each post, listing and comments
 * page read right after the primary answered. With probability SHADOW_READ_RATE, in a dual
 * phase, the read is queued; the request never waits for it. A worker reads the same from the
 * secondary and compares canonical forms; a difference is read again from both stores after
 * SHADOW_RECHECK_DELAY and only then counted, logged and recorded (ShadowLedger). Past
 * SHADOW_QUEUE_LIMIT samples are dropped and counted as such.
 */
export class ShadowSampler implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShadowSampler.name);
  private readonly waiting: Task[] = [];
  private running = 0;
  /** samples between their first look and their recheck */
  private rechecking = new Set<NodeJS.Timeout>();
  private idle: (() => void)[] = [];
  private closed = false;
  /** offered: sampled by rate; sampled: queued; rechecked: differed at the first look */
  readonly counters = { offered: 0, sampled: 0, dropped: 0, rechecked: 0 };
  private readonly random: () => number;

  constructor(
    private readonly settings: SamplerSettings,
    private readonly deps: SamplerDeps,
  ) {
    this.random = deps.random ?? Math.random;
  }

  /** Whether this read is sampled: only in a dual phase, with probability `rate`. */
  decide(): boolean {
    const { rate } = this.settings;
    return rate > 0 && (rate >= 1 || this.random() < rate);
  }

  /** Samples waiting, running or waiting for their recheck. */
  get pending(): number {
    return this.waiting.length + this.running + this.rechecking.size;
  }

  /** Called with the primary's answer; cheap and synchronous (a request never waits on it). */
  offer(read: ShadowRead, answer: ReadAnswer): void {
    // the random draw first: an unsampled read costs nothing more
    if (this.closed || !this.decide()) return;
    const { phase, sides } = this.deps.sidesNow();
    if (!sides) return;
    this.counters.offered++;
    if (this.pending >= this.settings.queueLimit) {
      this.counters.dropped++;
      this.deps.ledger.count('dropped');
      return;
    }
    this.counters.sampled++;
    this.waiting.push({ phase, sides, read, answer });
    this.pump();
  }

  private pump(): void {
    while (this.running < SHADOW_CONCURRENCY && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running++;
      // after the current I/O callbacks: the response is written before the secondary is asked
      setImmediate(() => {
        void this.firstLook(task).finally(() => {
          this.running--;
          this.pump();
          this.settle();
        });
      });
    }
  }

  private async firstLook(task: Task): Promise<void> {
    const kind = kindOfRead(task.read);
    try {
      const first = await firstLook(task.sides, task.read, task.answer);
      if (first.found.length === 0) {
        const ids = task.read.page === 'post' ? [task.read.id] : [...first.primary.keys()];
        await this.finish(task, kind, 'match', ids);
        return;
      }
      if (this.closed) return;
      this.counters.rechecked++;
      const timer = setTimeout(() => {
        this.rechecking.delete(timer);
        void this.recheck(task, first).finally(() => this.settle());
      }, this.settings.recheckDelayMs);
      this.rechecking.add(timer);
    } catch (error) {
      this.failed(task, kind, error);
    }
  }

  private async recheck(task: Task, first: Parameters<typeof recheck>[2]): Promise<void> {
    const kind = kindOfRead(task.read);
    try {
      const { confirmed, matching } = await recheck(task.sides, task.read, first);
      if (confirmed.length === 0) {
        await this.finish(task, kind, 'match', matching);
        return;
      }
      for (const difference of confirmed) {
        this.logger.warn(
          `shadow read mismatch: ${kind} ${difference.id} differs between ${task.sides.names.primary} and ${task.sides.names.secondary} (${task.read.page} page): ${difference.fields.join(', ')}`,
        );
      }
      await this.deps.ledger.recordMismatches(
        task.phase,
        kind,
        task.read.page,
        task.sides.names,
        confirmed,
      );
      await this.finish(task, kind, 'mismatch', matching);
    } catch (error) {
      this.failed(task, kind, error);
    }
  }

  private async finish(
    task: Task,
    kind: ShadowKind,
    result: 'match' | 'mismatch',
    matching: string[],
  ): Promise<void> {
    this.deps.counted(kind, result);
    this.deps.ledger.count(result);
    if (matching.length === 0) return;
    try {
      await this.deps.ledger.closeMatched(task.phase, kind, matching);
    } catch (error) {
      // the next matching sample closes them
      this.logger.warn(`open shadow mismatches not closed: ${reasonOf(error)}`);
    }
  }

  private failed(task: Task, kind: ShadowKind, error: unknown): void {
    this.deps.counted(kind, 'error');
    this.deps.ledger.count('error');
    this.logger.warn(`shadow read of the ${task.read.page} page failed: ${reasonOf(error)}`);
  }

  private settle(): void {
    if (this.pending > 0) return;
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }

  /** Resolves once no sample is waiting, running or waiting for its recheck (tests, shutdown). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops sampling; rechecks not due yet are given up, running samples end. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    for (const timer of this.rechecking) clearTimeout(timer);
    this.rechecking.clear();
    await this.drain();
  }
}
