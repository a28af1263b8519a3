import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ControlModule } from '../control/control.module';
import { MetricsHistory } from '../metrics/metrics-history';
import { MigrationModule } from '../migration/migration.module';
import { PhaseSwitchModule } from '../phase/phase-switch.module';
import { ShadowModule } from '../shadow/shadow.module';
import { StoreModule } from '../store/store.module';
import { AdminAuditController } from './admin-audit.controller';
import { MigrationDashboardController } from './migration-dashboard.controller';
import { MigrationDashboardService } from './migration-dashboard.service';

/**
 * The operators' pages under /admin (accounts are auth's: /admin/users): the audit trail
 * (`/admin/audit`) and the migration dashboard (`/admin/migration`). The metrics history the
 * dashboard's charts draw is sampled here, in the app only (the CLI has no dashboard).
 */
@Module({
  imports: [
    AuditModule,
    ControlModule,
    MigrationModule,
    PhaseSwitchModule,
    ShadowModule,
    StoreModule,
  ],
  controllers: [AdminAuditController, MigrationDashboardController],
  providers: [MigrationDashboardService, MetricsHistory],
})
export class AdminModule {}
