import { ShadowModule } from '../shadow/shadow.module';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ControlModule } from '../control/control.module';
import { SchemaModule } from '../schema/schema.module';
import { StoreModule } from '../store/store.module';
import { BackfillService } from './backfill/backfill.service';
import { PhaseGates } from './gates/phase-gates';
import { HintRetryService } from './reconcile/hint-retry.service';
import { ReconcileService } from './reconcile/reconcile.service';
import { VerifyService } from './verify/verify.service';

/**
 * The migration engine over the stores' replicas: backfill, verify, hint retry, reconcile, and
 * the gates of each phase step. The CLI's commands and the app's scheduled jobs
 * (MigrationJobsModule) call the same services; their durable state is in the control module.
 */
@Module({
  imports: [AuditModule, ControlModule, StoreModule, SchemaModule, ShadowModule],
  providers: [VerifyService, HintRetryService, BackfillService, ReconcileService, PhaseGates],
  exports: [VerifyService, HintRetryService, BackfillService, ReconcileService, PhaseGates],
})
export class MigrationModule {}
