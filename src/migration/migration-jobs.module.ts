import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from '../audit/audit.module';
import { ControlModule } from '../control/control.module';
import { StoreModule } from '../store/store.module';
import { MigrationModule } from './migration.module';
import { MigrationJobs } from './migration.jobs';

/** The app's scheduled hint retry and reconcile (HINT_RETRY_INTERVAL, RECONCILE_INTERVAL). */
@Module({
  imports: [ScheduleModule.forRoot(), AuditModule, ControlModule, StoreModule, MigrationModule],
  providers: [MigrationJobs],
  exports: [MigrationJobs],
})
export class MigrationJobsModule {}
