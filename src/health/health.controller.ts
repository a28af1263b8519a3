import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { Access } from '../auth/access';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { storeNamesUsedBy } from '../config/migration-phase';
import { PhaseFollower } from '../phase/phase-follower';
import { CurrentPhase } from '../control/current-phase';
import { CassandraHealthIndicator } from './cassandra.health';
import { MongoHealthIndicator } from './mongo.health';

/** What anyone may see: up or not, nothing about the stores, versions, errors or operators. */
export interface PublicHealth {
  status: 'ok' | 'error';
}

/**
 * Health of this instance: up when every store the current phase uses answers and it follows
 * the newest phase record (an instance that cannot, because a store is unreachable, is down, so
 * a load balancer stops sending it traffic that would go to the wrong stores).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly phase: CurrentPhase,
    private readonly follower: PhaseFollower,
    private readonly mongo: MongoHealthIndicator,
    private readonly cassandra: CassandraHealthIndicator,
  ) {}

  /** `GET /health`: `{status}` only, 200 or 503 (the details are the operators'). */
  @Get()
  @Access('public')
  @HealthCheck()
  async status(): Promise<PublicHealth> {
    try {
      await this.details();
      return { status: 'ok' };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        throw new ServiceUnavailableException({ status: 'error' } satisfies PublicHealth);
      }
      throw error;
    }
  }

  /**
   * `GET /health/details` (admins, or anyone on OPS_PORT): each check, the phase and the record it
   * came from (who set it), the Cassandra version, and the reason a store is down; 503 when any
   * check is down.
   */
  @Get('details')
  @Access('operator')
  @HealthCheck()
  details(): Promise<HealthCheckResult> {
    const phase = this.phase.get();
    const stores = { mongo: this.mongo, cassandra: this.cassandra };
    return this.health.check([
      () => this.phaseStatus(),
      ...storeNamesUsedBy(phase).map((store) => () => stores[store].isHealthy()),
    ]);
  }

  private phaseStatus(): HealthIndicatorResult {
    const record = this.phase.record;
    const details = {
      phase: this.phase.get(),
      ...(record
        ? { set_at: record.set_at, set_by: record.set_by, forced: record.forced }
        : { set_by: 'MIGRATION_PHASE' }),
    };
    const indicator = this.indicators.check('phase');
    const blocked = this.follower.blocked;
    return blocked ? indicator.down({ ...details, blocked }) : indicator.up(details);
  }
}
