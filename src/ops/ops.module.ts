import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { MigrationModule } from '../migration/migration.module';
import { StoreModule } from '../store/store.module';
import { HintsPendingMetric } from './hints-pending.metric';
import { MetricsController } from './metrics.controller';
import { MigrationRunsMetric } from './migration-runs.metric';
import { OpsServer } from './ops-server';

/**
 * What operators read from outside: the OPS_PORT listener and `GET /metrics` (with what it reads
 * at scrape time). The web app imports it, the CLI does not.
 */
@Module({
  imports: [ControlModule, StoreModule, MigrationModule],
  controllers: [MetricsController],
  providers: [OpsServer, HintsPendingMetric, MigrationRunsMetric],
  exports: [OpsServer],
})
export class OpsModule {}
