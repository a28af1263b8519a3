import { AdminModule } from './admin/admin.module';
import { MetricsModule } from './metrics/metrics.module';
import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { LoggingModule } from './common/logging/logging.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { NO_STORES } from './config/migration-phase';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { HomeModule } from './home/home.module';
import { MigrationJobsModule } from './migration/migration-jobs.module';
import { OpsModule } from './ops/ops.module';
import { PhaseModule } from './phase/phase.module';
import { CommentsModule } from './posts/comments/comments.module';
import { PostsModule } from './posts/posts.module';
import { StatsModule } from './stats/stats.module';

/** The web app. Built from an already-loaded config so tests can pass their own. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        // pino under every Nest Logger; the request middleware is installed by configureApp
        LoggingModule.forRoot(config.logSettings('app')),
        MetricsModule,
        // Nothing connected up front: PhaseModule connects what the fleet's phase uses.
        DatabaseModule.forRoot(config, NO_STORES),
        PhaseModule,
        MigrationJobsModule,
        // before the features: its middleware says who each request acts for
        AuthModule,
        PostsModule,
        CommentsModule,
        HomeModule,
        StatsModule,
        HealthModule,
        AdminModule,
        // the operators' listener on OPS_PORT (when set), in front of the same routes
        OpsModule,
      ],
    };
  }
}
