import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { BOTH_STORES, NO_STORES } from './config/migration-phase';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { CommentsModule } from './comments/comments.module';
import { HomeModule } from './home/home.module';
import { MigrationModule } from './migration/migration.module';
import { PhaseModule } from './phase/phase.module';
import { PostsModule } from './posts/posts.module';
import { SchemaModule } from './schema/schema.module';
import { StatsModule } from './stats/stats.module';
import { PostStoreModule } from './store/post-store.module';

/** The web app. Built from an already-loaded config so tests can pass their own. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        // Nothing connected up front: PhaseModule connects what the fleet's phase uses.
        DatabaseModule.forRoot(config, NO_STORES),
        SchemaModule.forRoot(config, { checkOnStartup: true }, BOTH_STORES),
        PhaseModule.forRoot(config, { follow: true }),
        HealthModule,
        PostStoreModule.forRoot(),
        MigrationModule.forRoot({ jobs: true }),
        PostsModule,
        CommentsModule,
        HomeModule,
        StatsModule,
      ],
    };
  }
}
