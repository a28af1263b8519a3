import { Controller, Get } from '@nestjs/common';
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

/**
 * `GET /health`: 200 when every store the current phase uses answers, 503 naming the one that
 * doesn't. The `phase` entry shows the phase served and the control record it came from; it is
 * down while this instance cannot follow the newest record (a store it cannot reach), so a load
 * balancer stops sending it traffic that would go to the wrong stores.
 */
@Access('public')
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

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
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
