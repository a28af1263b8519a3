import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { REDERIVERS } from '../../../src/schema/mongo-operations';
import { PostSort } from '../../../src/store/post';
import { toPostDocument } from '../../../src/store/mongo/mongo-documents';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { makeDataset } from '../helpers/migration';
import { StoreModule, storeModule } from '../helpers/store-module';
import { expectedOrder } from './post-store.contract';

const SORTS: PostSort[] = ['newest', 'oldest', 'title', 'title-desc'];

describe('MongoDB listings by partition, on posts stored before the partitions (real FerretDB)', () => {
  let m: StoreModule;
  let store: MongoPostStore;
  let connection: Connection;

  beforeAll(async () => {
    m = await storeModule('mongo_partitions', 'mongo');
    store = m.module.get(MongoPostStore);
    connection = m.module.get<Connection>(getConnectionToken());
  });
  afterAll(() => m?.close());

  const listAll = async (sort: PostSort) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listPosts({ sort, limit: 7, cursor });
      ids.push(...page.items.map((p) => p.id));
      cursor = page.next;
    } while (cursor);
    return ids;
  };

  it('rederive gives old documents their month and title prefix and notes their partitions', async () => {
    // 40 posts over two years, in many months and title prefixes, as the release before stored
    // them: no month, no title_prefix, no partitions
    const { posts } = makeDataset(40, 0, 'old');
    const old = posts.map((post) => {
      const doc: Record<string, unknown> = { ...toPostDocument(post) };
      delete doc.month;
      delete doc.title_prefix;
      return doc;
    });
    const db = connection.db!;
    await db.collection('posts').insertMany(old as never[]);
    expect((await store.listPosts({ sort: 'newest', limit: 20 })).items).toEqual([]);

    expect(await REDERIVERS.posts(db)).toEqual({ scanned: 40, rewritten: 40 });
    for (const sort of SORTS) expect(await listAll(sort)).toEqual(expectedOrder(posts, sort));
    const stored = await db.collection('posts').find({}).toArray();
    expect(stored.map((doc) => ({ ...doc }))).toEqual(
      expect.arrayContaining(posts.map((post) => ({ ...toPostDocument(post) }))),
    );

    // a post written since then by the app is listed too; a second run changes nothing
    const [newer] = makeDataset(1, 0, 'new').posts;
    await store.createPost(newer);
    expect(await REDERIVERS.posts(db)).toEqual({ scanned: 41, rewritten: 0 });
    expect(await listAll('newest')).toEqual(expectedOrder([...posts, newer], 'newest'));
  });
});
