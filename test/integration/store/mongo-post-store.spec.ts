import { getConnectionToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import { Connection } from 'mongoose';
import { loadConfig } from '../../../src/config/app-config';
import { AppConfigModule } from '../../../src/config/app-config.module';
import { DatabaseModule } from '../../../src/database/database.module';
import { SchemaModule } from '../../../src/schema/schema.module';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { testEnv } from '../../support/test-env';
import { dropTestStores } from '../helpers/stores';
import { describePostStoreContract } from './post-store.contract';

describePostStoreContract('MongoPostStore (FerretDB)', async () => {
  const config = loadConfig(testEnv('store_mongo', { MIGRATION_PHASE: 'mongo' }));
  const module = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      DatabaseModule.forRoot(config),
      SchemaModule.forRoot(config, { checkOnStartup: true }),
    ],
    providers: [MongoPostStore],
  }).compile();
  await module.init(); // applies the schema migrations (NODE_ENV=test)
  const connection = module.get<Connection>(getConnectionToken());
  return {
    store: module.get(MongoPostStore),
    reset: async () => {
      await Promise.all(
        ['posts', 'comments', 'deleted_posts'].map((name) =>
          connection.collection(name).deleteMany({}),
        ),
      );
    },
    close: async () => {
      await module.close();
      await dropTestStores(config);
    },
  };
});
