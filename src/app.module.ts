import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { CommentsModule } from './comments/comments.module';
import { HomeModule } from './home/home.module';
import { MigrationModule } from './migration/migration.module';
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
        DatabaseModule.forRoot(config),
        SchemaModule.forRoot(config, { checkOnStartup: true }),
        HealthModule.forRoot(config),
        PostStoreModule.forRoot(config),
        MigrationModule.forRoot(config.stores, { jobs: true }),
        PostsModule,
        CommentsModule,
        HomeModule,
        StatsModule,
      ],
    };
  }
}
