import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { AppConfig } from '../config/app-config';
import { MigrationPhase, storeNamesUsedBy } from '../config/migration-phase';
import { reasonOf } from '../common/with-timeout';
import { StoreConnections } from '../database/store-connections';
import { SchemaStartupCheck } from '../schema/schema-startup.check';
import { CurrentPhase } from '../control/current-phase';
import { PostStoreRouter } from '../store/post-store.router';
import { PhaseControl, PhaseUnknownError, recordStoresOf } from '../control/phase-control';
import { EffectivePhase, InstanceReport } from '../control/phase-record';

/** Connecting at boot: a few quick tries before giving up. */
const BOOT_ATTEMPTS = 3;
/** Polls in a row that could not read the phase before an instance reports itself blocked. */
const FAILED_POLLS_BEFORE_BLOCKED = 3;

/**
 * Makes CurrentPhase the fleet's phase. At boot (before anything is served) it reads the newest
 * control record, connects the stores that phase uses and checks their schema. In the app it
 * then polls every PHASE_POLL_INTERVAL: a new record's phase is followed once its stores are
 * connected and migrated (new requests go there; running ones finish where they started), and
 * each poll reports this instance — its phase, the record it follows, requests still draining —
 * so `phase set` can wait until every instance has moved.
 */
@Injectable()
export class PhaseFollower
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(PhaseFollower.name);
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly startedAt = new Date().toISOString();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  private blockedBy?: string;
  private failedPolls = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly control: PhaseControl,
    private readonly current: CurrentPhase,
    private readonly connections: StoreConnections,
    private readonly schema: SchemaStartupCheck,
    private readonly router: PostStoreRouter,
    private readonly http: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    const effective = await this.control.read({ attempts: BOOT_ATTEMPTS });
    await this.prepare(effective.phase, BOOT_ATTEMPTS);
    this.current.set(effective.phase, effective.record);
    const from = effective.record
      ? `control record of ${effective.record.set_at} by ${effective.record.set_by}`
      : 'MIGRATION_PHASE; no control record yet';
    this.logger.log(`serving phase ${effective.phase} (${from})`);
  }

  /** Why this instance does not follow the newest record (undefined: it does). */
  get blocked(): string | undefined {
    return this.blockedBy;
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.control.forget(this.id);
  }

  /** Reads the record once and follows it; then reports. Never throws. */
  async poll(): Promise<void> {
    const timeoutMs = this.config.healthCheckTimeoutMs;
    try {
      // only the store the next record will be in: the other one may be slow or gone
      const from = recordStoresOf(this.current.get());
      const effective = await this.control.read({ timeoutMs, from });
      await this.follow(effective);
    } catch (error) {
      // A newer record this instance cannot serve: it is behind the fleet now. A store of its
      // own phase slow to answer (load) is only a problem once it lasts.
      const behind = error instanceof PhaseUnknownError && error.phase !== this.current.get();
      this.failedPolls++;
      if (behind || this.failedPolls >= FAILED_POLLS_BEFORE_BLOCKED) {
        this.block(
          error instanceof PhaseUnknownError
            ? `cannot serve phase ${error.phase}: ${error.failures.join('; ')}`
            : `cannot read the phase: ${reasonOf(error)}`,
        );
      }
    }
    try {
      await this.control.report(this.report(), this.ttlSeconds(), timeoutMs);
    } catch (error) {
      this.logger.warn(`reporting this instance failed: ${reasonOf(error)}`);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule());
    }, this.config.phasePollIntervalMs);
    this.timer.unref();
  }

  private async follow(effective: EffectivePhase): Promise<void> {
    this.failedPolls = 0;
    const { phase, record } = effective;
    const from = this.current.get();
    if (phase === from && record?.version === this.current.record?.version) {
      this.blockedBy = undefined;
      return;
    }
    try {
      await this.prepare(phase, 1);
    } catch (error) {
      this.block(`cannot serve phase ${phase}: ${reasonOf(error)}`);
      return;
    }
    this.current.set(phase, record);
    this.blockedBy = undefined;
    if (phase === from) return;
    const by = record ? ` (set by ${record.set_by} at ${record.set_at})` : '';
    if (record?.forced) {
      this.logger.warn(`phase ${from} → ${phase}${by} WITH --force: its gates were bypassed`);
    } else {
      this.logger.log(`phase ${from} → ${phase}${by}`);
    }
  }

  /** The stores `phase` uses are connected and their schema is current (or it throws). */
  private async prepare(phase: MigrationPhase, attempts: number): Promise<void> {
    const stores = storeNamesUsedBy(phase);
    await Promise.all(stores.map((store) => this.connections.ensure(store, attempts)));
    await this.schema.check(stores);
  }

  private block(reason: string): void {
    if (reason !== this.blockedBy) this.logger.error(reason);
    this.blockedBy = reason;
  }

  private report(): InstanceReport {
    // the HTTP server, once listening (none in a test module without one)
    const address = this.http.httpAdapter?.getHttpServer()?.address() as AddressInfo | null;
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      ...(address && typeof address === 'object' && { port: address.port }),
      phase: this.current.get(),
      record_version: this.current.record?.version,
      draining: this.router.draining(),
      ...(this.blockedBy && { blocked: this.blockedBy }),
      started_at: this.startedAt,
      seen_at: new Date().toISOString(),
    };
  }

  /** A report outlives a few missed polls, then the instance counts as gone. */
  private ttlSeconds(): number {
    return Math.max(10, Math.ceil((5 * this.config.phasePollIntervalMs) / 1000));
  }
}
