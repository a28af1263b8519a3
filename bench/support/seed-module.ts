import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '../../src/config/app-config';
import { AppConfigModule } from '../../src/config/app-config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { SchemaModule } from '../../src/schema/schema.module';
import { SchemaService } from '../../src/schema/schema.service';
import { StoreModule } from '../../src/store/store.module';

/**
 * The app's store providers without the web layer, for seeding and timing the stores directly,
 * with the schema migrations of the stores the config's phase uses applied.
 */
export async function storeContext(config: AppConfig): Promise<INestApplicationContext> {
  @Module({
    imports: [
      AppConfigModule.forRoot(config),
      // the stores time their operations and count their copies
      MetricsModule,
      DatabaseModule.forRoot(config),
      SchemaModule,
      StoreModule,
    ],
  })
  class StoresOnlyModule {}
  const context = await NestFactory.createApplicationContext(StoresOnlyModule, {
    logger: ['error'],
  });
  await context.get(SchemaService).migrate({});
  return context;
}
