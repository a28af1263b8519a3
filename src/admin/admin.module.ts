import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { MetricsHistory } from '../metrics/metrics-history';
import { MigrationModule } from '../migration/migration.module';
import { PhaseSwitchModule } from '../phase/phase-switch.module';
import { StoreModule } from '../store/store.module';
import { MigrationDashboardController } from './migration-dashboard.controller';
import { MigrationDashboardService } from './migration-dashboard.service';

/**
 * The operators' pages of the web app: the migration dashboard (`/admin/migration`). The
 * metrics history its charts draw is sampled here, in the app only (the CLI has no dashboard).
 */
@Module({
  imports: [ControlModule, MigrationModule, PhaseSwitchModule, StoreModule],
  controllers: [MigrationDashboardController],
  providers: [MigrationDashboardService, MetricsHistory],
})
export class AdminModule {}
