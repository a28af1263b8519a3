import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { storeModule } from '../helpers/store-module';
import { describePostStoreContract, visibleState } from './post-store.contract';

// The same contract through both directions of the dual-write, on both real servers; after
// every test (once the copies are done) the secondary must show exactly what the primary shows.
for (const phase of ['dual-write', 'cassandra-primary'] as const) {
  describePostStoreContract(`DualWritePostStore (${phase})`, async () => {
    const stores = await storeModule(`store_${phase}`, phase);
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
