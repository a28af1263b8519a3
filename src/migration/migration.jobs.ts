import { hostname } from 'node:os';
import { AuditTrail } from '../audit/audit-trail';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { StoppedError } from '../common/stop';
import { reasonOf } from '../common/with-timeout';
import { MigrationPhase, phasePlan } from '../config/migration-phase';
import { CurrentPhase } from '../control/current-phase';
import { PostStoreRouter } from '../store/post-store.router';
import { Leases, newHolder } from '../control/lease';
import { ReconcileService } from './reconcile/reconcile.service';
import { reconcileDetails, reconcileRepaired } from './migration-audit';

export type JobName = 'hint-retry' | 'reconcile';

/** One run of a job by this instance (kept for the logs and tests). */
export interface JobRun {
  job: JobName;
  started: number;
  finished: number;
  ok: boolean;
}

/** A lease lives this long unless renewed; its holder renews it every third of that. */
export const LEASE_TTL_SECONDS = 30;
/** Scheduled reconciles look at suspects again after this long (live writes settle). */
export const RECHECK_DELAY_MS = 2000;

/**
 * The scheduled side of the migration: every HINT_RETRY_INTERVAL the hint retry, every
 * RECONCILE_INTERVAL a reconcile, each under a lease in Cassandra so one app instance at a time
 * runs it. Registered through SchedulerRegistry because the intervals come from config. A tick
 * in a single-store phase, or while the previous run of the same job is still going, does nothing.
 */
@Injectable()
export class MigrationJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MigrationJobs.name);
  readonly holder = newHolder();
  readonly runs: JobRun[] = [];
  private readonly running = new Map<JobName, Promise<void>>();

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly phase: CurrentPhase,
    private readonly router: PostStoreRouter,
    private readonly reconcile: ReconcileService,
    private readonly leases: Leases,
    private readonly trail: AuditTrail,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule('hint-retry', this.config.hintRetryIntervalMs);
    this.schedule('reconcile', this.config.reconcileIntervalMs);
  }

  /** Stops the timers and lets a running job finish before the connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const name of this.registry.getIntervals()) {
      if (name === 'hint-retry' || name === 'reconcile') this.registry.deleteInterval(name);
    }
    await Promise.all(this.running.values());
  }

  /** Runs the job once now (what a tick does); resolves when it is done or skipped. */
  tick(job: JobName): Promise<void> {
    const busy = this.running.get(job);
    if (busy) return busy;
    const run = this.runUnderLease(job).finally(() => this.running.delete(job));
    this.running.set(job, run);
    return run;
  }

  private schedule(job: JobName, intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.registry.addInterval(
      job,
      setInterval(() => void this.tick(job), intervalMs),
    );
    this.logger.log(`${job} every ${intervalMs} ms`);
  }

  /** Counted as a write of the phase it started in: a switch waits for it (see router.run). */
  private runUnderLease(job: JobName): Promise<void> {
    return this.router.run((phase) => this.leasedRun(job, phase));
  }

  private async leasedRun(job: JobName, phase: MigrationPhase): Promise<void> {
    if (!phasePlan(phase).secondary) return; // one store: nothing to copy or compare
    try {
      // held: false means another instance is on it
      await this.leases.hold(job, LEASE_TTL_SECONDS, () => this.runJob(job, phase), {
        holder: this.holder,
        onRenewError: (error) =>
          this.logger.warn(`${job}: renewing the lease failed (${reasonOf(error)})`),
      });
    } catch (error) {
      this.logger.warn(`${job} skipped: the lease could not be taken (${reasonOf(error)})`);
    }
  }

  /** One run of the job, recorded (before the lease is released) whatever its outcome. */
  private async runJob(job: JobName, phase: MigrationPhase): Promise<void> {
    const started = Date.now();
    let ok = false;
    // once the phase has moved on, a switch is waiting for this run: it ends early
    const stop = () => this.phase.get() !== phase;
    try {
      if (job === 'hint-retry') {
        // the phase before a switch may have left hints: both logs
        await this.reconcile.drainHints(phase, stop);
      } else {
        const report = await this.reconcile.run(phase, {
          dryRun: false,
          recheckDelayMs: RECHECK_DELAY_MS,
          stop,
        });
        // one entry every RECONCILE_INTERVAL would bury the trail: only runs that found something
        if (reconcileRepaired(report)) {
          await this.trail.record({
            actor: `job:reconcile@${hostname()}`,
            action: 'migrate.reconcile',
            outcome: report.error ? 'failed' : 'ok',
            details: reconcileDetails(report),
          });
        }
      }
      ok = true;
    } catch (error) {
      if (error instanceof StoppedError) {
        this.logger.log(`${job} of ${phase} stopped: the phase is ${this.phase.get()} now`);
      } else {
        this.logger.warn(`${job} failed: ${reasonOf(error)}`);
      }
    } finally {
      this.runs.push({ job, started, finished: Date.now(), ok });
      if (this.runs.length > 100) this.runs.shift();
    }
  }
}
