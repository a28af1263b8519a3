import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { BackfillService } from './backfill/backfill.service';
import { Leases } from '../control/lease';
import { MigrationState } from '../control/migration-state';
import { MigrationJobs } from './migration.jobs';
import { HintRetryService } from './reconcile/hint-retry.service';
import { ReconcileService } from './reconcile/reconcile.service';
import { VerifyService } from './verify/verify.service';

/**
 * Backfill, verify, hint retry and reconcile, for the CLI and (with `jobs`) on a schedule in the
 * app; their durable state lives in Cassandra. Needs DatabaseModule, PostStoreModule and
 * PhaseModule.
 */
@Module({})
export class MigrationModule {
  static forRoot(options: { jobs: boolean }): DynamicModule {
    const providers: Provider[] = [
      VerifyService,
      HintRetryService,
      MigrationState,
      Leases,
      BackfillService,
      ReconcileService,
    ];
    if (options.jobs) providers.push(MigrationJobs);
    return {
      module: MigrationModule,
      global: true,
      imports: options.jobs ? [ScheduleModule.forRoot()] : [],
      providers,
      exports: providers,
    };
  }
}
