import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '../../src/config/app-config';
import { AppConfigModule } from '../../src/config/app-config.module';
import { BOTH_STORES } from '../../src/config/migration-phase';
import { PhaseModule } from '../../src/phase/phase.module';
import { DatabaseModule } from '../../src/database/database.module';
import { SchemaModule } from '../../src/schema/schema.module';
import { PostStoreModule } from '../../src/store/post-store.module';

/**
 * The app's store providers without the web layer, for seeding and timing the stores directly
 * (applies pending schema migrations, as the app does outside production).
 */
export async function storeContext(config: AppConfig): Promise<INestApplicationContext> {
  @Module({
    imports: [
      AppConfigModule.forRoot(config),
      DatabaseModule.forRoot(config),
      SchemaModule.forRoot(config, { checkOnStartup: true }, BOTH_STORES),
      PhaseModule.forRoot(config, { follow: false }),
      PostStoreModule.forRoot(),
    ],
  })
  class StoresOnlyModule {}
  return NestFactory.createApplicationContext(StoresOnlyModule, { logger: ['error'] });
}
