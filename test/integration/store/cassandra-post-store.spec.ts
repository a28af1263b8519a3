import { Test } from '@nestjs/testing';
import { loadConfig } from '../../../src/config/app-config';
import { AppConfigModule } from '../../../src/config/app-config.module';
import { DatabaseModule } from '../../../src/database/database.module';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { SchemaModule } from '../../../src/schema/schema.module';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { testEnv } from '../../support/test-env';
import { dropTestStores } from '../helpers/stores';
import { CASSANDRA_DATA_TABLES, describePostStoreContract } from './post-store.contract';

describePostStoreContract('CassandraPostStore', async () => {
  const config = loadConfig(testEnv('store_cassandra', { MIGRATION_PHASE: 'cassandra' }));
  const module = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      DatabaseModule.forRoot(config),
      SchemaModule.forRoot(config, { checkOnStartup: true }),
    ],
    providers: [CassandraPostStore],
  }).compile();
  await module.init(); // applies the schema migrations (NODE_ENV=test)
  const client = module.get(CassandraClient);
  return {
    store: module.get(CassandraPostStore),
    reset: async () => {
      for (const table of CASSANDRA_DATA_TABLES) {
        await client.executeDdl(`TRUNCATE ${client.table(table)}`);
      }
    },
    close: async () => {
      await module.close();
      await dropTestStores(config);
    },
  };
});
