import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import { SchemaModule } from './schema/schema.module';
import {
  SchemaCommand,
  SchemaMigrateCommand,
  SchemaStatusCommand,
} from './schema/commands/schema.command';

/** Everything the CLI needs and nothing more: no HTTP server, no boot-time migrations. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        SchemaModule.forRoot(config, { checkOnStartup: false }),
      ],
      providers: [SchemaCommand, SchemaMigrateCommand, SchemaStatusCommand],
    };
  }
}
