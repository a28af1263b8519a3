import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { ABANDONED_CLAIM_MS } from '../../../src/store/cassandra/cassandra-post-claims';
import { Post } from '../../../src/store/post';
import { titleKey } from '../../../src/kinds/title-key';
import { deleteVersion, newId, nextVersion } from '../../../src/store/versions';
import { StoreModule, storeModule } from '../helpers/store-module';
import { makePost, ReplicaWrites, replicaWrites, shuffled } from './post-store.contract';
import { Replicas } from '../../../src/store/replicas';

/** Where a post appears in every Cassandra table, read straight from the tables. */
async function rowsOf(client: CassandraClient, post: Pick<Post, 'id'>) {
  const all = async (table: string, columns: string) =>
    (
      await client.execute(`SELECT ${columns} FROM ${client.table(table)}`, [], {
        idempotent: true,
      })
    ).rows;
  const mine = <T>(
    rows: { get(c: string): unknown }[],
    pick: (r: { get(c: string): unknown }) => T,
  ) => rows.filter((r) => r.get('id') === post.id).map(pick);
  const byId = await client.execute(
    `SELECT title, version FROM ${client.table('posts_by_id')} WHERE id = ?`,
    [post.id],
    { idempotent: true },
  );
  return {
    byId: byId.rows.map((r) => `${r.get('title')}@${r.get('version')}`),
    byMonth: mine(
      await all('posts_by_month', 'id, title, version'),
      (r) => `${r.get('title')}@${r.get('version')}`,
    ),
    byTitle: mine(
      await all('posts_by_title', 'id, title_key, version'),
      (r) => `${r.get('title_key')}@${r.get('version')}`,
    ),
    byAuthor: mine(await all('posts_by_author', 'id, author'), (r) => r.get('author')),
  };
}

describe('Cassandra order safety (rows in every query table)', () => {
  let stores: StoreModule;
  let store: CassandraPostStore;
  let replica: ReplicaWrites;
  let client: CassandraClient;

  beforeAll(async () => {
    stores = await storeModule('order_safety', 'cassandra');
    store = stores.module.get(CassandraPostStore);
    replica = replicaWrites(stores.module.get(Replicas).get('cassandra'));
    client = stores.module.get(CassandraClient);
  });
  afterAll(() => stores?.close());
  beforeEach(() => stores.reset());

  it('version 2 then version 1 (new title, new author): version 2 stays, one row per table', async () => {
    const v1 = makePost({ title: 'Alpha', author: 'Ada' });
    const v2 = { ...v1, title: 'Omega', author: 'Bo', version: nextVersion(v1.version) };
    await replica.applyPost(v2);
    await replica.applyPost(v1);
    expect(await store.getPost(v1.id)).toEqual(v2);
    expect(await rowsOf(client, v1)).toEqual({
      byId: [`Omega@${v2.version}`],
      byMonth: [`Omega@${v2.version}`],
      byTitle: [`omega@${v2.version}`],
      byAuthor: ['Bo'],
    });
  });

  it('a deletion then a stale upsert (and a stale comment): stays deleted everywhere', async () => {
    const post = makePost({ title: 'Doomed' });
    await store.createPost(post);
    const deletedAt = deleteVersion(post.version);
    await replica.applyDelete(post.id, deletedAt);
    await replica.applyPost({ ...post, title: 'Other title' });
    await replica.applyComment({
      id: newId(),
      postId: post.id,
      commenter: 'Bo',
      comment: 'late',
      createdAt: new Date(),
    });
    expect(await store.getPost(post.id)).toBeNull();
    expect(await rowsOf(client, post)).toEqual({
      byId: [],
      byMonth: [],
      byTitle: [],
      byAuthor: [],
    });
    expect(await store.totals()).toEqual({ posts: 0, comments: 0 });
  });

  it('a title change leaves the post exactly once in the alphabetical listing, and back again', async () => {
    const post = makePost({ title: 'Apple' });
    await store.createPost(post);
    const renamed = { ...post, title: 'Banana', version: nextVersion(post.version) };
    expect(await store.updatePost(renamed, post)).toBe(true);
    const back = { ...renamed, title: 'APPLE', version: nextVersion(renamed.version) };
    expect(await store.updatePost(back, renamed)).toBe(true);
    expect((await rowsOf(client, post)).byTitle).toEqual([`apple@${back.version}`]);
  });

  it('twenty versions with different titles and authors, applied concurrently in random order twice, converge on the last', async () => {
    const first = makePost({ title: 'v0' });
    const versions: Post[] = [first];
    for (let i = 1; i < 20; i++) {
      const prev = versions[i - 1];
      versions.push({
        ...prev,
        title: `Title ${String.fromCharCode(97 + i)} ${i}`,
        author: `Author ${i % 4}`,
        version: nextVersion(prev.version),
      });
    }
    await Promise.all(shuffled([...versions, ...versions]).map((v) => replica.applyPost(v)));
    const last = versions[versions.length - 1];
    expect(await store.getPost(first.id)).toEqual(last);
    expect(await rowsOf(client, first)).toEqual({
      byId: [`${last.title}@${last.version}`],
      byMonth: [`${last.title}@${last.version}`],
      byTitle: [`${titleKey(last.title)}@${last.version}`],
      byAuthor: [last.author],
    });
  });

  it('a deletion racing with concurrent stale upserts leaves nothing behind', async () => {
    const post = makePost({ title: 'Race' });
    await store.createPost(post);
    const stale = Array.from({ length: 10 }, (_, i) => ({
      ...post,
      title: `Stale ${i}`,
      version: post.version + i + 1,
    }));
    const deletedAt = deleteVersion(post.version + 100);
    await Promise.all(
      shuffled([
        ...stale.map((v) => () => replica.applyPost(v)),
        () => replica.applyDelete(post.id, deletedAt),
      ]).map((f) => f()),
    );
    expect(await rowsOf(client, post)).toEqual({
      byId: [],
      byMonth: [],
      byTitle: [],
      byAuthor: [],
    });
  });

  describe('request writes (compare-and-set on the post head)', () => {
    it('takes over a head that replica writes left behind the data', async () => {
      const post = makePost();
      await store.createPost(post);
      const v2 = { ...post, title: 'Claimed', version: nextVersion(post.version) };
      expect(await store.updatePost(v2, post)).toBe(true); // head = v2
      const v3 = { ...v2, title: 'Replicated', version: nextVersion(v2.version) };
      await replica.applyPost(v3); // data = v3, head still v2 (another store was primary)
      const v4 = { ...v3, title: 'Edited', version: nextVersion(v3.version) };
      expect(await store.updatePost({ ...v4 }, v2)).toBe(false); // stale editor
      expect(await store.updatePost(v4, v3)).toBe(true);
      expect(await store.getPost(post.id)).toEqual(v4);
    });

    it('frees a head claimed by a writer that died before writing, only after the timeout', async () => {
      const post = makePost();
      await store.createPost(post);
      const ghost = nextVersion(post.version);
      await client.execute(
        `INSERT INTO ${client.table('post_heads')} (id, version, claimed_at) VALUES (?, ?, ?)`,
        [post.id, ghost, new Date()],
        { idempotent: true },
      );
      const next = { ...post, title: 'After the ghost', version: nextVersion(ghost) };
      expect(await store.updatePost(next, post)).toBe(false);
      await client.execute(
        `UPDATE ${client.table('post_heads')} SET claimed_at = ? WHERE id = ?`,
        [new Date(Date.now() - ABANDONED_CLAIM_MS - 1000), post.id],
        { idempotent: true },
      );
      expect(await store.updatePost(next, post)).toBe(true);
      expect(await store.getPost(post.id)).toEqual(next);
    });
  });
});
