import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { storeModule } from '../helpers/store-module';
import { describePostStoreContract } from './post-store.contract';

describePostStoreContract('MongoPostStore (FerretDB)', async () => {
  const stores = await storeModule('store_mongo', 'mongo');
  return { ...stores, store: stores.module.get(MongoPostStore) };
});
