import { MongoPostRecords } from '../../../src/store/mongo/mongo-post-records';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { Replicas } from '../../../src/store/replicas';
import { storeModule } from '../helpers/store-module';
import { describePostStoreContract, replicaWrites } from './post-store.contract';

describePostStoreContract('MongoPostStore (FerretDB)', async () => {
  const stores = await storeModule('store_mongo', 'mongo');
  const records = stores.module.get(MongoPostRecords);
  return {
    ...stores,
    store: stores.module.get(MongoPostStore),
    // a page of posts as a backfill writes it, with or without the versions read once per run
    replica: replicaWrites(stores.module.get(Replicas).get('mongo'), (posts, concurrency, known) =>
      records.applyMany(posts, concurrency, known),
    ),
  };
});
