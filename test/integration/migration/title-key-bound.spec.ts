import * as titleKeys from '../../../src/kinds/title-key';
import { directionOf } from '../../../src/migration/directions';
import { ReconcileService } from '../../../src/migration/reconcile/reconcile.service';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { Post, PostSort } from '../../../src/store/post';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { Replicas } from '../../../src/store/replicas';
import { newId, nowMicros } from '../../../src/store/versions';
import { StoreModule, storeModule } from '../helpers/store-module';

const COPY_TIMEOUT = { SECONDARY_WRITE_TIMEOUT_MS: '60000' };

/** titleKey as it was before keys were bounded: the whole fold. */
function unboundedKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

function post(title: string): Post {
  const createdAt = new Date();
  return {
    id: newId(createdAt),
    title,
    content: 'content',
    author: 'Ada',
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: nowMicros(),
  };
}

/**
 * Keys stored before the bound: only titles whose fold exceeds MAX_TITLE_KEY_LENGTH have a key
 * that changed. verify names them (as a store's own derived rows), reconcile rewrites them, and
 * then titles page through them in both stores.
 */
describe('title keys stored before the bound (real servers)', () => {
  let m: StoreModule;
  beforeAll(async () => {
    m = await storeModule('title_key_bound', 'dual-write', COPY_TIMEOUT);
  });
  afterAll(() => m?.close());

  it('verify names the long keys only, reconcile rewrites them, paging works after', async () => {
    const dual = m.module.get(PostStoreRouter).storeFor('dual-write') as DualWritePostStore;
    const long = [
      post('\ufdfa'.repeat(200)),
      post('\ufdfa'.repeat(200)),
      post(`${'\ufdfa'.repeat(60)} b`),
    ];
    const short = [post('Émile'), post('🚀'.repeat(200)), post('zz')];
    // written as the code before the bound wrote them
    const old = jest.spyOn(titleKeys, 'titleKey').mockImplementation(unboundedKey);
    try {
      for (const p of [...long, ...short]) await dual.createPost(p);
      await dual.drain();
    } finally {
      old.mockRestore();
    }
    expect(unboundedKey(long[2].title).length).toBeGreaterThan(titleKeys.MAX_TITLE_KEY_LENGTH);

    const { source, target } = directionOf(m.module.get(Replicas), 'dual-write');
    const { report } = await m.module.get(VerifyService).verify(source, target, {
      recheckDelayMs: 200,
    });
    const named = new Set(report.differences.map((d) => d.id));
    expect([...named].sort()).toEqual(long.map((p) => p.id).sort());
    const where = new Set(report.differences.map((d) => d.where));
    expect(where).toEqual(new Set(['mongo.posts', 'cassandra.posts_by_title']));

    const reconcile = await m.module.get(ReconcileService).run('dual-write', {
      dryRun: false,
      recheckDelayMs: 200,
    });
    expect(reconcile.remaining).toEqual([]);
    const again = await m.module.get(VerifyService).verify(source, target, {
      recheckDelayMs: 200,
    });
    expect(again.report.differences).toEqual([]);

    const router = m.module.get(PostStoreRouter);
    for (const name of ['mongo', 'cassandra'] as const) {
      const store = router.storeNamed(name);
      for (const sort of ['title', 'title-desc'] as PostSort[]) {
        const seen: string[] = [];
        let page = await store.listPosts({ sort, limit: 1 });
        seen.push(...page.items.map((p) => p.id));
        while (page.next && seen.length < 20) {
          page = await store.listPosts({ sort, limit: 1, cursor: page.next });
          seen.push(...page.items.map((p) => p.id));
        }
        expect(seen).toHaveLength(6);
        expect(new Set(seen).size).toBe(6);
      }
    }
  });
});
