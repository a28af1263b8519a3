import { Controller, Get, Optional } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { CassandraHealthIndicator } from './cassandra.health';
import { MongoHealthIndicator } from './mongo.health';

/** `GET /health`: 200 when every store the phase uses answers, 503 naming the one that doesn't. */
@Controller('health')
export class HealthController {
  private readonly checks: HealthIndicatorFunction[];

  constructor(
    private readonly health: HealthCheckService,
    indicators: HealthIndicatorService,
    config: AppConfig,
    @Optional() mongo?: MongoHealthIndicator,
    @Optional() cassandra?: CassandraHealthIndicator,
  ) {
    const phase = config.migrationPhase;
    this.checks = [
      // Always up: lets a probe or an operator see which phase this instance runs.
      () => indicators.check('phase').up({ phase }),
      ...(mongo ? [() => mongo.isHealthy()] : []),
      ...(cassandra ? [() => cassandra.isHealthy()] : []),
    ];
  }

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check(this.checks);
  }
}
