import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { storeModule } from '../helpers/store-module';
import { describePostStoreContract, visibleState } from './post-store.contract';

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
    const store = stores.module.get(PostStoreRouter).storeFor(phase) as DualWritePostStore;
    return {
      ...stores,
      store,
      check: async () => {
        await store.drain();
        expect(await visibleState(store.secondary)).toEqual(await visibleState(store.primary));
        expect(store.counters.missed).toBe(0);
      },
    };
  });
}
