import { getConnectionToken } from '@nestjs/mongoose';
import { Test, TestingModule, TestingModuleBuilder } from '@nestjs/testing';
import { Connection } from 'mongoose';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { AppConfigModule } from '../../../src/config/app-config.module';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { ControlModule } from '../../../src/control/control.module';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { DatabaseModule } from '../../../src/database/database.module';
import { MetricsModule } from '../../../src/metrics/metrics.module';
import { MigrationModule } from '../../../src/migration/migration.module';
import { SchemaModule } from '../../../src/schema/schema.module';
import { SchemaService } from '../../../src/schema/schema.service';
import { StoreModule as StoresModule } from '../../../src/store/store.module';
import { testEnv } from '../../support/test-env';
import { dropTestStores } from './stores';

/** Every MongoDB collection holding blog data or its bookkeeping. */
export const MONGO_DATA_COLLECTIONS = [
  'posts',
  'comments',
  'deleted_posts',
  'comment_deletions',
  'hints',
  'post_locks',
  'post_listing_partitions',
  'migration_control',
  'accounts',
  'credentials',
  'credential_deletions',
];

/** Every Cassandra table holding blog data or its bookkeeping (what a reset truncates). */
export const CASSANDRA_DATA_TABLES = [
  'posts_by_id',
  'posts_by_month',
  'posts_by_title',
  'posts_by_author',
  'listing_partitions',
  'comments_by_post',
  'comments_by_id',
  'post_deletions',
  'deleted_comments',
  'post_heads',
  'hints',
  'migration_state',
  'leases',
  'app_instances',
  'accounts',
  'account_names',
  'account_heads',
  'credentials',
  'credentials_by_account',
  'deleted_credentials',
  'credential_heads',
];

/**
 * The operators' records the schema creates besides the data: the audit trail and the shadow
 * reads' mismatches and samples. A reset keeps them (the trail is append only).
 */
export const MONGO_OPERATIONS_COLLECTIONS = ['audit_log', 'shadow_mismatches', 'shadow_samples'];
export const CASSANDRA_OPERATIONS_TABLES = [
  'audit_log',
  'audit_days',
  'shadow_mismatches',
  'shadow_samples',
];

export interface StoreModule {
  config: AppConfig;
  module: TestingModule;
  /** empties every data collection and table of the stores the phase uses */
  reset(): Promise<void>;
  /** closes the module and drops the test's database and keyspace */
  close(): Promise<void>;
}

/**
 * The real store providers (StoreModule, and the migration's services without their
 * schedule) for `phase`, on the test servers, with the schema
 * migrations applied, in a database and keyspace of the test's own.
 */
export async function storeModule(
  name: string,
  phase: MigrationPhase,
  env: Record<string, string> = {},
  /** changes to the module before it is compiled (overrideProvider) */
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (builder) => builder,
): Promise<StoreModule> {
  const config = loadConfig(testEnv(name, { MIGRATION_PHASE: phase, ...env }));
  const builder = Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      MetricsModule,
      DatabaseModule.forRoot(config),
      ControlModule,
      SchemaModule,
      StoresModule,
      MigrationModule,
    ],
  });
  const module = await customize(builder).compile();
  await module.init(); // connects the stores the phase uses
  await module.get(SchemaService).migrate({}); // and applies their schema migrations
  return {
    config,
    module,
    reset: async () => {
      if (config.stores.mongo) {
        const connection = module.get<Connection>(getConnectionToken());
        await Promise.all(
          MONGO_DATA_COLLECTIONS.map((c) => connection.collection(c).deleteMany({})),
        );
      }
      if (config.stores.cassandra) {
        const client = module.get(CassandraClient);
        for (const table of CASSANDRA_DATA_TABLES) {
          await client.executeDdl(`TRUNCATE ${client.table(table)}`);
        }
      }
    },
    close: async () => {
      await module.close();
      await dropTestStores(config);
    },
  };
}
