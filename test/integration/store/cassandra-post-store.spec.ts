import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { storeModule } from '../helpers/store-module';
import { describePostStoreContract } from './post-store.contract';

describePostStoreContract('CassandraPostStore', async () => {
  const stores = await storeModule('store_cassandra', 'cassandra');
  return { ...stores, store: stores.module.get(CassandraPostStore) };
});
