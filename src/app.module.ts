import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { HomeController } from './home/home.controller';
import { SchemaModule } from './schema/schema.module';

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
      ],
      controllers: [HomeController],
    };
  }
}
