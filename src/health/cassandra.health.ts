import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { types } from 'cassandra-driver';
import { AppConfig } from '../config/app-config';
import { CassandraClient } from '../database/cassandra/cassandra-client';
import { reasonOf, withTimeout } from '../common/with-timeout';

/** Cassandra is up when the coordinator answers a local system query in time. */
@Injectable()
export class CassandraHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly client: CassandraClient,
    private readonly config: AppConfig,
  ) {}

  /** Never throws: a slow or failing Cassandra is reported as down with the reason. */
  async isHealthy(key = 'cassandra'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      const result = await withTimeout(
        this.client.execute('SELECT release_version FROM system.local', [], {
          idempotent: true,
          // system.local is node-local: any coordinator can answer it at ONE.
          consistency: types.consistencies.one,
        }),
        this.config.healthCheckTimeoutMs,
        'Cassandra',
      );
      return indicator.up({ releaseVersion: result.first()?.get('release_version') as string });
    } catch (error) {
      return indicator.down({ message: reasonOf(error) });
    }
  }
}
