import { phasePlan, StoreName } from '../../../src/config/migration-phase';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { Replicas } from '../../../src/store/replicas';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { storeModule } from '../helpers/store-module';
import { spyOnCommentDeletePages } from './comment-delete-pages';
import {
  bothReplicas,
  describePostStoreContract,
  replicaWrites,
  visibleState,
} from './post-store.contract';

// The same contract through both directions of the dual-write, on both real servers; after
// every test (once the copies are done) the secondary must show exactly what the primary shows.
for (const phase of ['dual-write', 'cassandra-primary'] as const) {
  describePostStoreContract(`DualWritePostStore (${phase})`, async () => {
    // The contract is about what the stores end up holding, not about timeouts: forty copies of
    // one post queue behind FerretDB's per-post lock and can pass the 2 s default on a busy
    // machine, which would count them as missed (and hinted) rather than failed.
    const stores = await storeModule(`store_${phase}`, phase, {
      SECONDARY_WRITE_TIMEOUT_MS: '60000',
    });
    const router = stores.module.get(PostStoreRouter);
    const store = router.storeFor(phase) as DualWritePostStore;
    const plan = phasePlan(phase);
    const replicas = stores.module.get(Replicas);
    return {
      ...stores,
      store,
      // replica writes reach a dual-write phase's stores one by one (backfill, hint retry,
      // reconcile): both must end in the same state
      replica: bothReplicas(
        replicaWrites(replicas.get(plan.primary)),
        replicaWrites(replicas.get(plan.secondary as StoreName)),
      ),
      secondary: {
        primaryReplica: replicaWrites(replicas.get(plan.primary)),
        replica: replicaWrites(replicas.get(plan.secondary as StoreName)),
        store: router.storeNamed(plan.secondary as StoreName),
        drain: () => store.drain(),
      },
      // Cassandra is the primary or the secondary: either way its deletions read in pages
      commentDeletePages: spyOnCommentDeletePages(stores.module.get(CassandraClient)),
      check: async () => {
        await store.drain();
        expect(await visibleState(router.storeNamed(plan.secondary as StoreName))).toEqual(
          await visibleState(store.primary),
        );
        expect(store.counters.missed).toBe(0);
      },
    };
  });
}
