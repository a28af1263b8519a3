import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ControlModule } from '../control/control.module';
import { MigrationModule } from '../migration/migration.module';
import { SchemaModule } from '../schema/schema.module';
import { PhaseSwitch } from './phase-switch';

/** Moving the fleet's phase, for `phase set` and the dashboard alike. */
@Module({
  imports: [AuditModule, ControlModule, MigrationModule, SchemaModule],
  providers: [PhaseSwitch],
  exports: [PhaseSwitch],
})
export class PhaseSwitchModule {}
