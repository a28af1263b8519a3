import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { phasePlan } from '../config/migration-phase';
import { ControlModule } from '../control/control.module';
import { BlogMetrics } from '../metrics/blog-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { PhaseRoutedPostStore } from '../store/phase-routed-post-store';
import { PostStore } from '../store/post-store';
import { PostStoreRouter } from '../store/post-store.router';
import { StoreModule } from '../store/store.module';
import { ShadowLedger } from './shadow-ledger';
import { CassandraShadowRecords, MongoShadowRecords } from './shadow-records';
import { ShadowSampler } from './shadow-sampler';
import { ShadowingPostStore } from './shadowing-post-store';

/**
 * The shadow reads' record (ShadowLedger: open mismatches, sample counts), for the gates and the
 * dashboard, and the sampler that fills it.
 */
@Module({
  imports: [ControlModule, StoreModule, MetricsModule],
  providers: [
    MongoShadowRecords,
    CassandraShadowRecords,
    ShadowLedger,
    {
      provide: ShadowSampler,
      inject: [AppConfig, PostStoreRouter, ShadowLedger, BlogMetrics],
      useFactory: (
        config: AppConfig,
        router: PostStoreRouter,
        ledger: ShadowLedger,
        metrics: BlogMetrics,
      ) =>
        new ShadowSampler(
          {
            rate: config.shadowReadRate,
            recheckDelayMs: config.shadowRecheckDelayMs,
            queueLimit: config.shadowQueueLimit,
          },
          {
            sidesNow: () => {
              const phase = router.currentPhase();
              const plan = phasePlan(phase);
              if (!plan.secondary) return { phase };
              const names = { primary: plan.primary, secondary: plan.secondary };
              return {
                phase,
                sides: {
                  primary: router.storeNamed(names.primary),
                  secondary: router.storeNamed(names.secondary),
                  names,
                },
              };
            },
            ledger,
            counted: (kind, result) => metrics.shadowReads.inc({ kind, result }),
          },
        ),
    },
  ],
  exports: [ShadowLedger, ShadowSampler],
})
export class ShadowModule {}

/**
 * PostStore for features (posts, comments): the phase-routed store whose page reads are
 * sampled. Features import this instead of StoreModule's PostStore.
 */
@Module({
  imports: [StoreModule, ShadowModule],
  providers: [
    {
      provide: PostStore,
      inject: [PostStoreRouter, ShadowSampler],
      useFactory: (router: PostStoreRouter, sampler: ShadowSampler): PostStore =>
        new ShadowingPostStore(new PhaseRoutedPostStore(router), sampler),
    },
  ],
  exports: [PostStore],
})
export class ShadowedStoreModule {}
