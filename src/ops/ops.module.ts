import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { StoreModule } from '../store/store.module';
import { HintsPendingMetric } from './hints-pending.metric';
import { MetricsController } from './metrics.controller';
import { OpsServer } from './ops-server';

/**
 * What operators read from outside: the OPS_PORT listener and `GET /metrics` (with what it reads
 * at scrape time). The web app imports it, the CLI does not.
 */
@Module({
  imports: [ControlModule, StoreModule],
  controllers: [MetricsController],
  providers: [OpsServer, HintsPendingMetric],
  exports: [OpsServer],
})
export class OpsModule {}
