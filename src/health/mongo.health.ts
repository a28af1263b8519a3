import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { reasonOf, withTimeout } from '../common/with-timeout';

/** MongoDB is up when an admin ping comes back in time. */
@Injectable()
export class MongoHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  /** Never throws: a slow or failing MongoDB is reported as down with the reason. */
  async isHealthy(key = 'mongo'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      const db = this.connection.db;
      if (!db) throw new Error('MongoDB connection is not open');
      await withTimeout(
        db.admin().command({ ping: 1 }),
        this.config.healthCheckTimeoutMs,
        'MongoDB',
      );
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: reasonOf(error) });
    }
  }
}
