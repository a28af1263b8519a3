import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { Replicas } from '../../../src/store/replicas';
import { storeModule } from '../helpers/store-module';
import { spyOnCommentDeletePages } from './comment-delete-pages';
import { describePostStoreContract, replicaWrites } from './post-store.contract';

describePostStoreContract('CassandraPostStore', async () => {
  const stores = await storeModule('store_cassandra', 'cassandra');
  return {
    ...stores,
    store: stores.module.get(CassandraPostStore),
    replica: replicaWrites(stores.module.get(Replicas).get('cassandra')),
    commentDeletePages: spyOnCommentDeletePages(stores.module.get(CassandraClient)),
  };
});
