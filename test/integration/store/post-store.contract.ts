import { compareUtf8, Comment, Post, PostSort } from '../../../src/store/post';
import { COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { POST_KIND } from '../../../src/kinds/post.kind';
import { KnownVersions } from '../../../src/store/mongo/mongo-post-records';
import { PostStore, PostSummary } from '../../../src/store/post-store';
import { Replica } from '../../../src/store/replica';
import { COMMENT_DELETE_BATCH } from '../../../src/store/cassandra/cassandra-post-records';
import { CommentDeletePages } from './comment-delete-pages';
import { MAX_TITLE_KEY_LENGTH, titleKey } from '../../../src/kinds/title-key';
import {
  commentDeleteVersion,
  deleteVersion,
  newId,
  nextVersion,
} from '../../../src/store/versions';

/**
 * The replica writes the contract checks (what backfill, hint retry, reconcile and a dual-write's
 * copies do through the Replica port), as one store (or a dual-write's two, one after the other)
 * takes them.
 */
export interface ReplicaWrites {
  applyPost(post: Post, predecessor?: Post | null): Promise<void>;
  applyDelete(id: string, deletedAt: number, last?: Post): Promise<void>;
  applyComment(comment: Comment): Promise<void>;
  /** a comment's deletion as copied (`last`: the comment as deleted, when the copy knows it) */
  applyCommentDelete(id: string, deletedAt: number, last?: Comment): Promise<void>;
  /** a backfill's page of posts; `known`: the versions the store held when the run began */
  applyPosts(posts: Post[], concurrency: number, known?: KnownVersions): Promise<void>;
  applyComments(comments: Comment[], concurrency: number): Promise<void>;
}

/** A store's replica writes through its Replica (a page of posts through `applyPosts`). */
export function replicaWrites(
  replica: Replica,
  applyPosts: ReplicaWrites['applyPosts'] = (posts, concurrency) =>
    replica.writer(POST_KIND)(posts, concurrency),
): ReplicaWrites {
  return {
    applyPost: (post, predecessor) => replica.apply(POST_KIND, post, predecessor),
    applyDelete: (id, deletedAt, last) => replica.applyDelete(POST_KIND, id, deletedAt, last),
    applyComment: (comment) => replica.apply(COMMENT_KIND, comment),
    applyCommentDelete: (id, deletedAt, last) =>
      replica.applyDelete(COMMENT_KIND, id, deletedAt, last),
    applyPosts,
    applyComments: (comments, concurrency) => replica.writer(COMMENT_KIND)(comments, concurrency),
  };
}

/** Every write to both, the first (a dual-write's primary) first. */
export function bothReplicas(first: ReplicaWrites, second: ReplicaWrites): ReplicaWrites {
  const both =
    <A extends unknown[]>(write: (w: ReplicaWrites) => (...args: A) => Promise<void>) =>
    async (...args: A) => {
      await write(first)(...args);
      await write(second)(...args);
    };
  return {
    applyPost: both((w) => w.applyPost),
    applyDelete: both((w) => w.applyDelete),
    applyComment: both((w) => w.applyComment),
    applyCommentDelete: both((w) => w.applyCommentDelete),
    applyPosts: both((w) => w.applyPosts),
    applyComments: both((w) => w.applyComments),
  };
}

export interface ContractSubject {
  store: PostStore;
  replica: ReplicaWrites;
  /** wipes every post and comment (between tests) */
  reset(): Promise<void>;
  close(): Promise<void>;
  /** runs after every test: e.g. a dual-write's two stores must hold the same data */
  check?(): Promise<void>;
  /**
   * A dual-write's two stores on their own: each one's replica writes alone, the secondary's
   * reads, and a wait for the copies in flight.
   */
  secondary?: {
    primaryReplica: ReplicaWrites;
    replica: ReplicaWrites;
    store: PostStore;
    drain(): Promise<void>;
  };
  /** Cassandra (alone or in a dual-write): the pages of comments its post deletions read */
  commentDeletePages?: CommentDeletePages;
}

/** Titles that stress the alphabetical listing: case, accents, digits, emoji, punctuation, ties. */
const TITLES = [
  'apple',
  'Apple',
  'Émile',
  'emile',
  'Zebra',
  'zulu',
  '42 answers',
  '7 wonders',
  '🚀 launch',
  '¿qué?',
  'Ångström',
  'angstrom',
  'Same',
  'Same',
  'Same',
  'b',
  'B',
  'middle',
  'Mañana',
  'manana',
  'xylophone',
  'Yak',
  'quiet',
  'Quartz',
  'café',
  'cafe',
  '0 zero',
  '9 nine',
  '!bang',
  'Ωmega',
  'delta',
  'Delta',
  'echo',
  'fox',
  'golf',
  'hotel',
  'India',
  'juliet',
  'kilo',
  'lima',
  'Oscar',
];
const MONTHS = [
  '2026-08-15T10:00:00Z',
  '2026-09-03T08:30:00Z',
  '2026-10-20T23:59:59Z',
  '2026-11-01T00:00:00Z',
];

/** The items in a random order. */
export function shuffled<T>(items: T[]): T[] {
  return items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

export function makePost(overrides: Partial<Post> = {}): Post {
  const createdAt = overrides.createdAt ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    id: newId(createdAt),
    title: 'A title',
    content: 'Some content',
    author: 'Ada',
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: nextVersion(),
    ...overrides,
  };
}

function makeComment(postId: string, createdAt: Date, text = 'Nice'): Comment {
  return { id: newId(createdAt), postId, commenter: 'Bo', comment: text, createdAt };
}

/** The order the store must produce, computed independently of any store. */
export function expectedOrder(posts: Post[], sort: PostSort): string[] {
  const byDate = (a: Post, b: Post) =>
    a.createdAt.getTime() - b.createdAt.getTime() || compareUtf8(a.id, b.id);
  const byTitle = (a: Post, b: Post) =>
    compareUtf8(titleKey(a.title), titleKey(b.title)) || compareUtf8(a.id, b.id);
  const sorted = [...posts].sort(sort === 'newest' || sort === 'oldest' ? byDate : byTitle);
  if (sort === 'newest' || sort === 'title-desc') sorted.reverse();
  return sorted.map((p) => p.id);
}

/** Everything a reader can see of a store, in a form two stores can be compared by. */
export async function visibleState(store: PostStore) {
  const listings: Record<string, PostSummary[]> = {};
  const posts: Post[] = [];
  const comments: Comment[] = [];
  for (const sort of ['newest', 'oldest', 'title', 'title-desc'] as PostSort[]) {
    listings[sort] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listPosts({ sort, limit: 100, cursor });
      listings[sort].push(...page.items);
      cursor = page.next;
    } while (cursor);
  }
  for (const summary of listings.newest) {
    posts.push((await store.getPost(summary.id)) as Post);
    let cursor: string | undefined;
    do {
      const page = await store.listComments(summary.id, 100, cursor);
      comments.push(...page.items);
      cursor = page.next;
    } while (cursor);
  }
  return {
    listings,
    posts,
    comments,
    authors: await store.authorStats(1000),
    totals: await store.totals(),
  };
}

export function describePostStoreContract(label: string, subject: () => Promise<ContractSubject>) {
  describe(`PostStore contract: ${label}`, () => {
    let s: ContractSubject;
    let store: PostStore;
    let replica: ReplicaWrites;

    beforeAll(async () => {
      s = await subject();
      store = s.store;
      replica = s.replica;
    });
    afterAll(() => s?.close());
    beforeEach(() => s.reset());
    afterEach(async () => {
      await s.check?.();
    });

    it('creates and reads a post with every field intact', async () => {
      const post = makePost({ title: 'Émile 🚀', content: 'x'.repeat(50_000), author: 'Zoë' });
      await store.createPost(post);
      expect(await store.getPost(post.id)).toEqual(post);
      expect(await store.getPost(newId())).toBeNull();
    });

    it('updates only from the version the caller read', async () => {
      const post = makePost();
      await store.createPost(post);
      const next = {
        ...post,
        title: 'Changed',
        updatedAt: new Date(),
        version: nextVersion(post.version),
      };
      expect(await store.updatePost(next, post)).toBe(true);
      const stale = { ...post, title: 'Stale', version: nextVersion(next.version) };
      expect(await store.updatePost(stale, post)).toBe(false);
      expect(await store.getPost(post.id)).toEqual(next);
    });

    it('a comment racing its post’s deletion is either refused or removed with the post, never left behind', async () => {
      for (let round = 0; round < 6; round++) {
        const post = makePost();
        await store.createPost(post);
        // stamped a little after the deletion, as a request whose clock runs ahead would be
        const late = () => new Date(Date.now() + 5);
        const comments = Array.from({ length: 8 }, (_, i) => makeComment(post.id, late(), `r${i}`));
        const outcomes = await Promise.all([
          ...comments.map((c) => store.addComment(c)),
          store.deletePost(post, deleteVersion(post.version)).then(() => true),
        ]);
        expect(outcomes.every((o) => typeof o === 'boolean')).toBe(true);
        expect(await store.getPost(post.id)).toBeNull();
        expect((await store.listComments(post.id, 20)).items).toEqual([]);
        for (const c of comments) expect(await store.getComment(c.id)).toBeNull();
        // and a comment on a post already deleted is refused outright
        expect(await store.addComment(makeComment(post.id, new Date(), 'too late'))).toBe(false);
      }
    });

    it('deletes a post with its comments, only from the version read', async () => {
      const post = makePost();
      await store.createPost(post);
      await store.addComment(makeComment(post.id, new Date()));
      const other = makePost();
      await store.createPost(other);
      await store.addComment(makeComment(other.id, new Date()));
      const staleRead = { ...post, version: post.version - 1 };
      expect(await store.deletePost(staleRead, deleteVersion(post.version))).toBe(false);
      expect(await store.getPost(post.id)).not.toBeNull();
      expect(await store.deletePost(post, deleteVersion(post.version))).toBe(true);
      expect(await store.getPost(post.id)).toBeNull();
      expect((await store.listComments(post.id, 10)).items).toEqual([]);
      expect((await store.listComments(other.id, 10)).items).toHaveLength(1);
      expect(await store.totals()).toEqual({ posts: 1, comments: 1 });
      expect(await store.deletePost(post, deleteVersion(post.version))).toBe(false);
    });

    it('counts a post’s comments no further than asked', async () => {
      const post = makePost();
      const other = makePost();
      for (const p of [post, other]) await store.createPost(p);
      const t0 = Date.now() - 60_000;
      const comments = Array.from({ length: 5 }, (_, i) =>
        makeComment(post.id, new Date(t0 + i * 1000), `c${i}`),
      );
      for (const c of comments) await store.addComment(c);
      for (let i = 0; i < 3; i++) await store.addComment(makeComment(other.id, new Date(t0 + i)));
      expect(await store.countComments(post.id, 3)).toBe(3);
      expect(await store.countComments(post.id, 5)).toBe(5);
      expect(await store.countComments(post.id, 1000)).toBe(5);
      expect(await store.countComments(other.id, 1000)).toBe(3);
      expect(await store.countComments(newId(), 1000)).toBe(0);
      await store.deleteComment(comments[2], commentDeleteVersion(comments[2].createdAt));
      expect(await store.countComments(post.id, 1000)).toBe(4);
      await store.deletePost(post, deleteVersion(post.version));
      expect(await store.countComments(post.id, 1000)).toBe(0);
      expect(await store.countComments(other.id, 2)).toBe(2);
    });

    it('deletes a post with a few thousand comments, a bounded page at a time', async () => {
      const post = makePost();
      const other = makePost();
      for (const p of [post, other]) await store.createPost(p);
      const t0 = Date.now() - 3_600_000;
      const many = Array.from({ length: 2600 }, (_, i) =>
        makeComment(post.id, new Date(t0 + i), `c${i}`),
      );
      for (let i = 0; i < many.length; i += 500) {
        await replica.applyComments(many.slice(i, i + 500), 16);
      }
      const kept = [makeComment(other.id, new Date(t0)), makeComment(other.id, new Date(t0 + 1))];
      for (const c of kept) await store.addComment(c);
      expect(await store.countComments(post.id, 5000)).toBe(many.length);

      s.commentDeletePages?.reset();
      expect(await store.deletePost(post, deleteVersion(post.version))).toBe(true);
      await s.secondary?.drain();
      for (const on of [store, ...(s.secondary ? [s.secondary.store] : [])]) {
        expect(await on.getPost(post.id)).toBeNull();
        expect(await on.countComments(post.id, 5000)).toBe(0);
        expect((await on.listComments(post.id, 10)).items).toEqual([]);
        for (const c of [many[0], many[1299], many[many.length - 1]]) {
          expect(await on.getComment(c.id)).toBeNull();
        }
        expect((await on.listComments(other.id, 10)).items).toEqual(kept);
        expect(await on.totals()).toEqual({ posts: 1, comments: 2 });
      }
      const pages = s.commentDeletePages;
      if (pages) {
        // every comment was read by a page of the deletion, no page larger than the batch
        expect(pages.rows.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(many.length);
        expect(pages.rows.length).toBeGreaterThanOrEqual(
          Math.ceil(many.length / COMMENT_DELETE_BATCH),
        );
        expect(Math.max(...pages.rows)).toBeLessThanOrEqual(COMMENT_DELETE_BATCH);
        expect(pages.fetchSizes.every((size) => size === COMMENT_DELETE_BATCH)).toBe(true);
      }
    });

    it('replica writes converge by version in any order: v2 then v1 keeps v2', async () => {
      const v1 = makePost({ title: 'First' });
      const v2 = { ...v1, title: 'Second', version: nextVersion(v1.version) };
      await replica.applyPost(v2);
      await replica.applyPost(v1);
      await replica.applyPost(v2);
      expect(await store.getPost(v1.id)).toEqual(v2);
    });

    it('a stale replica write after a deletion does not bring the post back', async () => {
      const post = makePost();
      await store.createPost(post);
      await replica.applyDelete(post.id, deleteVersion(post.version));
      await replica.applyPost(post);
      await replica.applyComment(makeComment(post.id, new Date()));
      expect(await store.getPost(post.id)).toBeNull();
      expect(await store.totals()).toEqual({ posts: 0, comments: 0 });
    });

    it('a page of replica writes (backfill) ends as each write one by one would', async () => {
      const fresh = makePost({ title: 'New here' });
      const older = makePost({ title: 'Stored older' });
      const newer = makePost({ title: 'Stored newer' });
      const deleted = makePost({ title: 'Deleted here' });
      const laterDeleted = makePost({ title: 'Deleted before this version' });
      await replica.applyPost(older);
      const newerStored = { ...newer, title: 'Newer stays', version: nextVersion(newer.version) };
      await replica.applyPost(newerStored);
      await store.createPost(deleted);
      await replica.applyDelete(deleted.id, deleteVersion(deleted.version));
      await replica.applyDelete(laterDeleted.id, laterDeleted.version + 10);
      const olderNext = { ...older, title: 'Copied newer', version: nextVersion(older.version) };
      // a version from before that deletion (but after the post's first)
      const laterVersion = {
        ...laterDeleted,
        title: 'Too late',
        version: laterDeleted.version + 5,
      };

      await replica.applyPosts([fresh, olderNext, newer, deleted, laterVersion], 4);
      expect(await store.getPost(fresh.id)).toEqual(fresh);
      expect(await store.getPost(older.id)).toEqual(olderNext);
      expect(await store.getPost(newer.id)).toEqual(newerStored);
      expect(await store.getPost(deleted.id)).toBeNull();
      expect(await store.getPost(laterDeleted.id)).toBeNull();
      expect(await store.totals()).toEqual({ posts: 3, comments: 0 });
      // a second time changes nothing
      await replica.applyPosts([fresh, olderNext, newer, deleted, laterVersion], 4);
      expect(await store.totals()).toEqual({ posts: 3, comments: 0 });
    });

    it('a page written with versions the store held a while ago (known) ends the same', async () => {
      const older = makePost({ title: 'Stored older' });
      const newer = makePost({ title: 'Stored newer' });
      const deleted = makePost({ title: 'Deleted since' });
      const fresh = makePost({ title: 'New here' });
      const racedOlder = makePost({ title: 'Arrived since, older' });
      const racedNewer = makePost({ title: 'Arrived since, newer' });
      for (const p of [older, newer, deleted]) await replica.applyPost(p);
      const known = new Map([older, newer, deleted].map((p) => [p.id, p.version]));
      // after the store was looked at: a newer version, a deletion, two posts arriving
      const newerStored = { ...newer, title: 'Newer stays', version: nextVersion(newer.version) };
      await replica.applyPost(newerStored);
      await replica.applyDelete(deleted.id, deleteVersion(deleted.version));
      await replica.applyPost(racedOlder);
      const racedNewerStored = { ...racedNewer, version: nextVersion(racedNewer.version) };
      await replica.applyPost(racedNewerStored);
      const page = [
        { ...older, title: 'Copied newer', version: nextVersion(older.version) },
        newer,
        deleted,
        fresh,
        { ...racedOlder, title: 'Copied over the race', version: nextVersion(racedOlder.version) },
        racedNewer,
      ];

      await replica.applyPosts(page, 4, known);
      expect(await store.getPost(older.id)).toEqual(page[0]);
      expect(await store.getPost(newer.id)).toEqual(newerStored);
      expect(await store.getPost(deleted.id)).toBeNull();
      expect(await store.getPost(fresh.id)).toEqual(fresh);
      expect(await store.getPost(racedOlder.id)).toEqual(page[4]);
      expect(await store.getPost(racedNewer.id)).toEqual(racedNewerStored);
      expect(await store.totals()).toEqual({ posts: 5, comments: 0 });
    });

    it('a page of comments (backfill): added once, never left behind a deleted post', async () => {
      const live = makePost({ title: 'Live' });
      const gone = makePost({ title: 'Gone' });
      for (const p of [live, gone]) await store.createPost(p);
      const already = makeComment(live.id, new Date(2026, 0, 1), 'Already here');
      await store.addComment(already);
      await store.deletePost(gone, deleteVersion(gone.version));
      const page = [
        already,
        makeComment(live.id, new Date(2026, 0, 2), 'New'),
        makeComment(gone.id, new Date(2026, 0, 3), 'On a deleted post'),
      ];

      await replica.applyComments(page, 4);
      await replica.applyComments(page, 4);
      expect((await store.listComments(live.id, 10)).items).toEqual(page.slice(0, 2));
      expect((await store.listComments(gone.id, 10)).items).toEqual([]);
      expect(await store.totals()).toEqual({ posts: 1, comments: 2 });
    });

    it('a deletion older than the stored version leaves the post', async () => {
      const post = makePost();
      const deletedAt = deleteVersion(post.version);
      const newer = { ...post, title: 'Edited later', version: nextVersion(deletedAt) };
      await replica.applyPost(newer);
      await replica.applyDelete(post.id, deletedAt);
      expect(await store.getPost(post.id)).toEqual(newer);
    });

    it('exactly one of twenty concurrent conditional updates from the same version wins', async () => {
      const post = makePost();
      await store.createPost(post);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.updatePost(
            { ...post, title: `Editor ${i}`, version: nextVersion(post.version) },
            post,
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.getPost(post.id))?.title).toBe(`Editor ${results.indexOf(true)}`);
    });

    it('concurrent replica writes of twenty versions, in random order and twice, converge on the highest', async () => {
      const versions: Post[] = [makePost({ title: 'v0' })];
      for (let i = 1; i < 20; i++) {
        const prev = versions[i - 1];
        versions.push({
          ...prev,
          title: `v${i}`,
          author: `A${i % 3}`,
          version: nextVersion(prev.version),
        });
      }
      await Promise.all(shuffled([...versions, ...versions]).map((v) => replica.applyPost(v)));
      expect(await store.getPost(versions[0].id)).toEqual(versions[19]);
      expect(
        (await store.listPosts({ sort: 'title', limit: 10 })).items.map((p) => p.title),
      ).toEqual(['v19']);
    });

    it('live copies naming their predecessor converge in any order, twice over', async () => {
      // what a dual-write's secondary receives: a create (null), edits (their predecessor)
      const chain: Post[] = [makePost({ title: 'Chain v0', author: 'A0' })];
      for (let i = 1; i < 8; i++) {
        const prev = chain[i - 1];
        chain.push({
          ...prev,
          title: `Chain ${'zyxwvuts'[i]} v${i}`,
          author: `A${i % 3}`,
          version: nextVersion(prev.version),
        });
      }
      const copies = chain.map((v, i) => () => replica.applyPost(v, i === 0 ? null : chain[i - 1]));
      await Promise.all(shuffled([...copies, ...copies]).map((copy) => copy()));
      const last = chain[chain.length - 1];
      expect(await store.getPost(last.id)).toEqual(last);
      for (const sort of ['newest', 'title', 'title-desc'] as PostSort[]) {
        const ids = (await store.listPosts({ sort, limit: 100 })).items.map((p) => p.id);
        expect(ids).toEqual([last.id]);
      }
      expect(await store.authorStats(100)).toEqual([{ author: last.author, posts: 1 }]);
    });

    it('a deletion naming the last version wins over that version arriving after it', async () => {
      const v1 = makePost({ title: 'Early' });
      const v2 = { ...v1, title: 'Late', author: 'Other', version: nextVersion(v1.version) };
      const deletedAt = deleteVersion(v2.version);
      await replica.applyPost(v1, null);
      await replica.applyDelete(v1.id, deletedAt, v2);
      await replica.applyPost(v2, v1); // the edit's copy arrives after the deletion's
      await replica.applyPost(v1, null);
      expect(await store.getPost(v1.id)).toBeNull();
      expect((await store.listPosts({ sort: 'title', limit: 10 })).items).toEqual([]);
      expect(await store.totals()).toEqual({ posts: 0, comments: 0 });
      expect(await store.authorStats(100)).toEqual([]);
    });

    it('lists comments oldest first, ties by id, paging without gaps or repeats', async () => {
      const post = makePost();
      await store.createPost(post);
      const t0 = new Date('2026-10-01T00:00:00Z');
      const comments = [0, 0, 0, 1, 2, 2, 3].map((s, i) =>
        makeComment(post.id, new Date(t0.getTime() + s * 1000), `c${i}`),
      );
      for (const c of [...comments].reverse()) await store.addComment(c);
      await store.addComment(comments[0]); // the same comment twice stays one
      const seen: Comment[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listComments(post.id, 2, cursor);
        seen.push(...page.items);
        cursor = page.next;
      } while (cursor);
      const expected = [...comments].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareUtf8(a.id, b.id),
      );
      expect(seen).toEqual(expected);
      expect(await store.getComment(comments[3].id)).toEqual(comments[3]);
    });

    describe('deleting one comment', () => {
      let post: Post;
      beforeEach(async () => {
        post = makePost();
        await store.createPost(post);
      });

      /** Neither the store's reads nor its listing nor its count show the comment. */
      async function expectGone(comment: Comment, on: PostStore = store) {
        expect(await on.getComment(comment.id)).toBeNull();
        const listed = (await on.listComments(comment.postId, 100)).items.map((c) => c.id);
        expect(listed).not.toContain(comment.id);
      }

      it('is gone from reads and the listing; deleting it again answers false', async () => {
        const spam = makeComment(post.id, new Date(), 'spam');
        const kept = makeComment(post.id, new Date(Date.now() + 1000), 'kept');
        for (const c of [spam, kept]) expect(await store.addComment(c)).toBe(true);
        const deletedAt = commentDeleteVersion(spam.createdAt);
        expect(await store.deleteComment(spam, deletedAt)).toBe(true);
        await expectGone(spam);
        expect((await store.listComments(post.id, 10)).items).toEqual([kept]);
        expect(await store.totals()).toEqual({ posts: 1, comments: 1 });
        expect(await store.deleteComment(spam, commentDeleteVersion(spam.createdAt))).toBe(false);
        // never added, or already gone with its post: nothing to delete
        expect(await store.deleteComment(makeComment(post.id, new Date()), deletedAt)).toBe(false);
        expect(await store.getPost(post.id)).toEqual(post);
      });

      it('a late or replayed copy of the comment, alone or in a page, does not bring it back', async () => {
        const spam = makeComment(post.id, new Date(), 'spam');
        await store.addComment(spam);
        expect(await store.deleteComment(spam, commentDeleteVersion(spam.createdAt))).toBe(true);
        await replica.applyComment(spam);
        await replica.applyComment(spam);
        await replica.applyComments([spam, makeComment(post.id, new Date(), 'other')], 4);
        // the request path too: the same comment added again keeps nothing
        expect(await store.addComment(spam)).toBe(false);
        await expectGone(spam);
        expect(await store.totals()).toEqual({ posts: 1, comments: 1 });
      });

      it('a deletion that arrives before the comment keeps every later copy out', async () => {
        const known = makeComment(post.id, new Date(), 'deletion knows it');
        const unknown = makeComment(post.id, new Date(), 'deletion knows only its id');
        // a live copy names the comment; a backfill's or a hint retry's names only its id
        await replica.applyCommentDelete(known.id, commentDeleteVersion(known.createdAt), known);
        await replica.applyCommentDelete(unknown.id, commentDeleteVersion(unknown.createdAt));
        for (const c of [known, unknown]) await replica.applyComment(c);
        await replica.applyComments([known, unknown], 4);
        for (const c of [known, unknown]) await expectGone(c);
        expect(await store.totals()).toEqual({ posts: 1, comments: 0 });
        expect(await store.deleteComment(known, commentDeleteVersion(known.createdAt))).toBe(false);
      });

      it('copies and deletions arriving concurrently, in random order and twice, leave it out', async () => {
        const comments = Array.from({ length: 6 }, (_, i) =>
          makeComment(post.id, new Date(Date.now() - i * 1000), `c${i}`),
        );
        const deleted = comments.slice(0, 4);
        const writes = [
          ...comments.map((c) => () => replica.applyComment(c)),
          () => replica.applyComments(comments, 3),
          ...deleted.map(
            (c, i) => () =>
              replica.applyCommentDelete(
                c.id,
                commentDeleteVersion(c.createdAt),
                i % 2 === 0 ? c : undefined,
              ),
          ),
        ];
        await Promise.all(shuffled([...writes, ...writes]).map((write) => write()));
        for (const c of deleted) await expectGone(c);
        const listed = (await store.listComments(post.id, 10)).items.map((c) => c.id).sort();
        expect(listed).toEqual(
          comments
            .slice(4)
            .map((c) => c.id)
            .sort(),
        );
        expect(await store.totals()).toEqual({ posts: 1, comments: 2 });
      });

      it('a deleted comment still goes with its post, and its post’s deletion stays as before', async () => {
        const spam = makeComment(post.id, new Date(), 'spam');
        const other = makeComment(post.id, new Date(), 'other');
        for (const c of [spam, other]) await store.addComment(c);
        await store.deleteComment(spam, commentDeleteVersion(spam.createdAt));
        expect(await store.deletePost(post, deleteVersion(post.version))).toBe(true);
        await replica.applyComment(spam);
        await replica.applyComment(other);
        for (const c of [spam, other]) await expectGone(c);
        expect(await store.totals()).toEqual({ posts: 0, comments: 0 });
      });

      it('a dual-write’s secondary keeps it out whichever of its copies arrives first', async () => {
        const secondary = s.secondary;
        if (!secondary) return; // a single store: the tests above are the whole contract
        // copy, then deletion: both through the dual-write, then the comment's copy replayed
        const first = makeComment(post.id, new Date(), 'copied, then deleted');
        await store.addComment(first);
        await secondary.drain();
        expect(await secondary.store.getComment(first.id)).toEqual(first);
        await store.deleteComment(first, commentDeleteVersion(first.createdAt));
        await secondary.drain();
        await secondary.replica.applyComment(first);
        await expectGone(first, secondary.store);
        // deletion, then the comment's copy (late: a hint retry, a backfill page): only the
        // primary has the comment when it is deleted
        const second = makeComment(post.id, new Date(), 'deleted before its copy');
        await secondary.primaryReplica.applyComment(second);
        expect(await secondary.store.getComment(second.id)).toBeNull();
        expect(await store.deleteComment(second, commentDeleteVersion(second.createdAt))).toBe(
          true,
        );
        await secondary.drain();
        await secondary.replica.applyComment(second);
        await secondary.replica.applyComments([second], 2);
        await expectGone(second, secondary.store);
        await expectGone(second);
      });
    });

    describe('listing', () => {
      let posts: Post[];

      beforeEach(async () => {
        posts = TITLES.map((title, i) => {
          // several posts share a second, so ties are broken by id
          const createdAt = new Date(
            new Date(MONTHS[i % MONTHS.length]).getTime() + Math.floor(i / 8) * 1000,
          );
          return makePost({ title, createdAt, author: ['Ada', 'Bo', 'Cy'][i % 3] });
        });
        for (const post of posts) await store.createPost(post);
      });

      it.each(['newest', 'oldest', 'title', 'title-desc'] as PostSort[])(
        'pages through %s forwards and back without gaps or repeats',
        async (sort) => {
          const limit = 7;
          const pages: PostSummary[][] = [];
          let page = await store.listPosts({ sort, limit });
          expect(page.prev).toBeUndefined();
          pages.push(page.items);
          while (page.next) {
            page = await store.listPosts({ sort, limit, cursor: page.next });
            pages.push(page.items);
          }
          expect(pages.flat().map((p) => p.id)).toEqual(expectedOrder(posts, sort));
          expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
          // and back from the last page, page by page
          const back: PostSummary[][] = [page.items];
          while (page.prev) {
            page = await store.listPosts({ sort, limit, cursor: page.prev });
            back.unshift(page.items);
          }
          expect(back.map((p) => p.map((x) => x.id))).toEqual(pages.map((p) => p.map((x) => x.id)));
        },
      );

      it('pages titles whose folded key exceeds the bound (U+FDFA ×200: 3 600 units), ties by id', async () => {
        const long = '\ufdfa'.repeat(200);
        const extra = [
          ...[0, 1, 2, 3, 4].map(() => makePost({ title: long })),
          // cut to the same first MAX_TITLE_KEY_LENGTH units as `long`: a tie, broken by id
          ...[0, 1].map(() => makePost({ title: `${'\ufdfa'.repeat(199)} zz` })),
          ...[0, 1].map(() => makePost({ title: `a ${'\ufdfa'.repeat(100)}` })),
          makePost({ title: '🚀'.repeat(200) }),
        ];
        expect(titleKey(extra[5].title)).toBe(titleKey(long));
        expect(titleKey(long)).toHaveLength(MAX_TITLE_KEY_LENGTH);
        for (const post of extra) await store.createPost(post);
        const all = [...posts, ...extra];
        for (const sort of ['title', 'title-desc'] as PostSort[]) {
          const seen: string[] = [];
          let page = await store.listPosts({ sort, limit: 3 });
          seen.push(...page.items.map((p) => p.id));
          while (page.next) {
            page = await store.listPosts({ sort, limit: 3, cursor: page.next });
            seen.push(...page.items.map((p) => p.id));
          }
          expect(seen).toEqual(expectedOrder(all, sort));
          const back: string[] = page.items.map((p) => p.id);
          while (page.prev) {
            page = await store.listPosts({ sort, limit: 3, cursor: page.prev });
            back.unshift(...page.items.map((p) => p.id));
          }
          expect(back).toEqual(seen);
        }
        // the seven tied posts come together, in id order
        const tied = extra
          .slice(0, 7)
          .map((p) => p.id)
          .sort(compareUtf8);
        const listed = (await store.listPosts({ sort: 'title', limit: 100 })).items.map(
          (p) => p.id,
        );
        const at = listed.indexOf(tied[0]);
        expect(listed.slice(at, at + 7)).toEqual(tied);
      });

      it('shows a summary, not the content', async () => {
        const page = await store.listPosts({ sort: 'newest', limit: 1 });
        const post = posts.find((p) => p.id === page.items[0].id) as Post;
        expect(page.items[0]).toEqual({
          id: post.id,
          title: post.title,
          author: post.author,
          excerpt: post.content,
          createdAt: post.createdAt,
          updatedAt: post.updatedAt,
          version: post.version,
        });
      });

      it('keeps a retitled post exactly once in the alphabetical listing', async () => {
        const post = posts[0];
        const next = { ...post, title: 'Zzz renamed', version: nextVersion(post.version) };
        expect(await store.updatePost(next, post)).toBe(true);
        const ids = (await store.listPosts({ sort: 'title', limit: 100 })).items.map((p) => p.id);
        expect(ids.filter((id) => id === post.id)).toHaveLength(1);
        expect(ids).toEqual(
          expectedOrder(
            posts.map((p) => (p.id === post.id ? next : p)),
            'title',
          ),
        );
      });

      it('lists only the top authors, ties by name in byte order, the same in every store', async () => {
        // ties at the cut: which of the two-post authors make the top 3 depends on the order
        for (const author of ['b', 'b', 'b', '🚀', '🚀', 'é', 'é', 'a', 'a', 'Z', 'Z', 'c']) {
          await store.createPost(makePost({ author }));
        }
        const all = await store.authorStats(100);
        // the listing's posts: Ada 14, Bo 14, Cy 13; then by name in UTF-8 bytes: Z < a < é < 🚀
        expect(all).toEqual([
          { author: 'Ada', posts: 14 },
          { author: 'Bo', posts: 14 },
          { author: 'Cy', posts: 13 },
          { author: 'b', posts: 3 },
          { author: 'Z', posts: 2 },
          { author: 'a', posts: 2 },
          { author: 'é', posts: 2 },
          { author: '🚀', posts: 2 },
          { author: 'c', posts: 1 },
        ]);
        expect(all).toHaveLength(9);
        expect(await store.authorStats(5)).toEqual(all.slice(0, 5));
        expect(await store.authorStats(6)).toEqual(all.slice(0, 6));
        expect(await store.authorStats(1)).toEqual(all.slice(0, 1));
      });

      it('counts posts per author, most first, and totals', async () => {
        await store.createPost(makePost({ author: 'Cy' }));
        expect(await store.authorStats(100)).toEqual(
          [
            { author: 'Cy', posts: 14 },
            { author: 'Ada', posts: 14 },
            { author: 'Bo', posts: 14 },
          ].sort((a, b) => b.posts - a.posts || compareUtf8(a.author, b.author)),
        );
        expect(await store.totals()).toEqual({ posts: TITLES.length + 1, comments: 0 });
      });
    });
  });
}
