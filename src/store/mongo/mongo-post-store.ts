import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { mapConcurrent } from '../../common/map-concurrent';
import { Collection, Connection } from 'mongoose';
import { decodeCommentCursor, encodeCommentCursor } from '../cursor';
import { compareAuthorCounts, Comment, Post } from '../post';
import {
  AuthorCount,
  CommentPage,
  ListPostsQuery,
  PostPage,
  KnownVersions,
  PostStore,
  StoreTotals,
} from '../post-store';
import {
  CommentDocument,
  fromCommentDocument,
  fromPostDocument,
  isDuplicateKey,
  PostDocument,
  TombstoneDocument,
  toCommentDocument,
  toPostDocument,
} from './mongo-documents';
import { listPostsPage } from './mongo-post-listing';
import { MongoPostLock } from './mongo-post-lock';

/**
 * PostStore on MongoDB (and FerretDB): the design's `posts` and `comments` collections, plus
 * `deleted_posts` tombstones. Only single-document operations, so it needs no transactions;
 * every check-then-write on one post runs under that post's lock (MongoPostLock), because
 * FerretDB does not make a filtered update atomic.
 */
@Injectable()
export class MongoPostStore extends PostStore {
  readonly name = 'mongo';

  private readonly lock: MongoPostLock;

  constructor(@InjectConnection() private readonly connection: Connection) {
    super();
    this.lock = new MongoPostLock(() => this.connection.collection('post_locks'));
  }

  private get posts(): Collection<PostDocument> {
    return this.connection.collection<PostDocument>('posts');
  }
  private get comments(): Collection<CommentDocument> {
    return this.connection.collection<CommentDocument>('comments');
  }
  private get tombstones(): Collection<TombstoneDocument> {
    return this.connection.collection<TombstoneDocument>('deleted_posts');
  }

  async createPost(post: Post): Promise<void> {
    await this.posts.insertOne(toPostDocument(post));
  }

  async getPost(id: string): Promise<Post | null> {
    const doc = await this.posts.findOne({ _id: id });
    return doc ? fromPostDocument(doc) : null;
  }

  // Under the post's lock every check reads by _id and every write names only the _id: the
  // lock makes check-then-write safe, and a filter that is exactly {_id: <string>} is the only
  // one FerretDB 1.24 (SQLite) hands to SQLite. SQLite still reads the whole table for it (the
  // _id index is on another expression), about 150 ms at 100k posts, but any other filter makes
  // FerretDB decode every document itself, about 30 times slower.

  async updatePost(next: Post, previous: Post): Promise<boolean> {
    return this.lock.withLock(next.id, async () => {
      if ((await this.storedVersion(next.id)) !== previous.version) return false;
      await this.posts.updateOne({ _id: next.id }, { $set: toPostDocument(next) });
      return true;
    });
  }

  async deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    const id = previous.id;
    return this.lock.withLock(id, async () => {
      if ((await this.storedVersion(id)) !== previous.version) return false;
      await this.recordDeletion(id, deletedAt);
      await this.posts.deleteOne({ _id: id });
      // after the post: a crash in between leaves orphan comments (invisible, removed by
      // reconciliation), never a visible post that lost its comments
      await this.comments.deleteMany({ post_id: id });
      return true;
    });
  }

  // one document per post: the version check under the lock is all the ordering it needs, so
  // the predecessor / last-version hints are not used
  async applyPost(post: Post): Promise<void> {
    await this.lock.withLock(post.id, async () => {
      if (await this.deletedSince(post.id, post.version)) return;
      // a post this store has never seen is an insert, the one write FerretDB does without
      // scanning the collection (its _id index serves uniqueness, not lookups)
      if (await this.inserted(post)) return;
      const stored = await this.storedVersion(post.id);
      if (stored !== undefined && stored >= post.version) return;
      await this.posts.replaceOne({ _id: post.id }, toPostDocument(post), { upsert: true });
    });
  }

  /**
   * applyPost for a page of posts (a backfill into MongoDB) in a few queries plus one per post
   * that needs more: FerretDB answers every lookup by _id with a scan of the collection, so
   * applyPost one by one makes a backfill into a restored MongoDB quadratic. Same outcome as
   * applyPost: tombstones first; new posts inserted in one batch (then checked against
   * deletions that raced the insert, like addComment); posts already stored at an older
   * version go through applyPost. With `known` (the versions read once for the whole backfill)
   * the posts already current are skipped and nothing else is looked up: FerretDB answers even
   * one `_id $in` per page with a scan (6 s a page at 100k posts).
   */
  override async applyPosts(
    posts: readonly Post[],
    concurrency: number,
    known?: KnownVersions,
  ): Promise<void> {
    if (posts.length === 0) return;
    const deletedBefore = await this.deletionsOf(posts.map((post) => post.id));
    const live = posts.filter((post) => !((deletedBefore.get(post.id) ?? -1) >= post.version));
    const { inserted, existing } = await this.insertNew(
      known ? live.filter((post) => !known.has(post.id)) : live,
    );
    const deletedNow = await this.deletionsOf(inserted.map((post) => post.id));
    const stored = known ?? (await this.versionsOf(existing.map((post) => post.id)));
    const olderThere = (post: Post) => (stored.get(post.id) ?? -1) < post.version;
    const older = known
      ? // stored at an older version when the backfill looked, or stored since (a live write
        // racing the backfill: applyPost checks)
        [...live.filter((post) => known.has(post.id) && olderThere(post)), ...existing]
      : existing.filter(olderThere);
    const followUps = [
      // a deletion recorded while the batch went in: it may have missed the new document
      ...inserted
        .filter((post) => (deletedNow.get(post.id) ?? -1) >= post.version)
        .map((post) => () => this.applyDelete(post.id, deletedNow.get(post.id)!)),
      ...older.map((post) => () => this.applyPost(post)),
    ];
    await mapConcurrent(followUps, concurrency, (followUp) => followUp());
  }

  async applyDelete(id: string, deletedAt: number): Promise<void> {
    await this.lock.withLock(id, async () => {
      await this.recordDeletion(id, deletedAt);
      const stored = await this.storedVersion(id);
      // a version written after the deletion outlives it, with its comments
      if (stored !== undefined && stored > deletedAt) return;
      if (stored !== undefined) await this.posts.deleteOne({ _id: id });
      await this.comments.deleteMany({ post_id: id });
    });
  }

  // Repairs (reconcile): make this store match the source of truth even where its content
  // drifted without a version change, which the replica writes above rightly ignore.

  /** Makes the stored post exactly `post`, unless a newer version has arrived meanwhile. */
  async repairPost(post: Post): Promise<void> {
    await this.lock.withLock(post.id, async () => {
      const stored = await this.storedVersion(post.id);
      if (stored !== undefined && stored > post.version) return;
      await this.posts.replaceOne({ _id: post.id }, toPostDocument(post), { upsert: true });
    });
  }

  /** Writes the comment as given, replacing whatever is stored under its id. */
  async repairComment(comment: Comment): Promise<void> {
    await this.lock.withLock(comment.postId, async () => {
      await this.comments.replaceOne({ _id: comment.id }, toCommentDocument(comment), {
        upsert: true,
      });
    });
  }

  async removeComment(id: string): Promise<void> {
    await this.comments.deleteOne({ _id: id });
  }

  /** The stored version of a post (undefined: not stored), for repairs that remove it. */
  async versionOf(id: string): Promise<number | undefined> {
    return this.storedVersion(id);
  }

  /** When the post was deleted here, if it was. */
  async deletionOf(id: string): Promise<number | undefined> {
    const tombstone = await this.tombstones.findOne({ _id: id });
    return tombstone ? Number(tombstone.deleted_at) : undefined;
  }

  /**
   * Inserts, then looks for the post's deletion: a deletion records its tombstone before it
   * removes the post's comments, so either that removal sees this comment or this check sees the
   * tombstone (and takes the comment out again). No lock needed on the hot path.
   */
  async addComment(comment: Comment): Promise<boolean> {
    await this.insertComment(comment);
    if (!(await this.tombstones.findOne({ _id: comment.postId }))) return true;
    await this.comments.deleteOne({ _id: comment.id });
    return false;
  }

  async applyComment(comment: Comment): Promise<void> {
    await this.addComment(comment);
  }

  /**
   * addComment for a page of comments (a backfill into MongoDB): one batch insert, then one look
   * at the tombstones of their posts, which comes after every insert as addComment's does.
   */
  override async applyComments(comments: readonly Comment[], concurrency: number): Promise<void> {
    if (comments.length === 0) return;
    await duplicatesOf(
      this.comments.insertMany(comments.map(toCommentDocument), { ordered: false }),
    );
    const deleted = await this.deletionsOf([...new Set(comments.map((c) => c.postId))]);
    const orphans = comments.filter((comment) => deleted.has(comment.postId));
    await mapConcurrent(orphans, concurrency, (comment) =>
      this.comments.deleteOne({ _id: comment.id }),
    );
  }

  async getComment(id: string): Promise<Comment | null> {
    const doc = await this.comments.findOne({ _id: id });
    return doc ? fromCommentDocument(doc) : null;
  }

  async listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    const after = cursor ? decodeCommentCursor(cursor) : undefined;
    const filter = after
      ? {
          post_id: postId,
          $or: [
            { created_at: { $gt: after.createdAt } },
            { created_at: after.createdAt, _id: { $gt: after.id } },
          ],
        }
      : { post_id: postId };
    const docs = await this.comments
      .find(filter)
      .sort({ created_at: 1, _id: 1 })
      .limit(limit + 1)
      .toArray();
    const items = docs.slice(0, limit).map(fromCommentDocument);
    const last = items[items.length - 1];
    return {
      items,
      next: docs.length > limit && last ? encodeCommentCursor(last.createdAt, last.id) : undefined,
    };
  }

  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return listPostsPage(this.posts, query);
  }

  async authorStats(): Promise<AuthorCount[]> {
    const rows = await this.posts
      .aggregate<{ _id: string; posts: number }>([
        { $group: { _id: '$author', posts: { $sum: 1 } } },
      ])
      .toArray();
    return rows.map((r) => ({ author: r._id, posts: Number(r.posts) })).sort(compareAuthorCounts);
  }

  async totals(): Promise<StoreTotals> {
    const [posts, comments] = await Promise.all([
      this.posts.countDocuments({}),
      this.comments.countDocuments({}),
    ]);
    return { posts, comments };
  }

  private async insertComment(comment: Comment): Promise<void> {
    try {
      await this.comments.insertOne(toCommentDocument(comment));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  private async recordDeletion(id: string, deletedAt: number): Promise<void> {
    await this.tombstones.updateOne(
      { _id: id },
      { $max: { deleted_at: deletedAt } },
      { upsert: true },
    );
  }

  /** Inserts the post; false when the store already has it (at some version). */
  private async inserted(post: Post): Promise<boolean> {
    try {
      await this.posts.insertOne(toPostDocument(post));
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return false;
    }
  }

  /** Inserts the posts this store does not have, in one batch; the others are `existing`. */
  private async insertNew(posts: Post[]): Promise<{ inserted: Post[]; existing: Post[] }> {
    if (posts.length === 0) return { inserted: [], existing: [] };
    const duplicates = await duplicatesOf(
      this.posts.insertMany(posts.map(toPostDocument), { ordered: false }),
    );
    return {
      inserted: posts.filter((_, index) => !duplicates.has(index)),
      existing: posts.filter((_, index) => duplicates.has(index)),
    };
  }

  private async deletionsOf(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const tombstones = await this.tombstones.find({ _id: { $in: ids } }).toArray();
    return new Map(tombstones.map((t) => [t._id, Number(t.deleted_at)]));
  }

  private async versionsOf(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const docs = await this.posts
      .find({ _id: { $in: ids } }, { projection: { version: 1 } })
      .toArray();
    return new Map(docs.map((doc) => [doc._id, Number(doc.version)]));
  }

  private async storedVersion(id: string): Promise<number | undefined> {
    const doc = await this.posts.findOne({ _id: id }, { projection: { version: 1 } });
    return doc ? Number(doc.version) : undefined;
  }

  private async deletedSince(id: string, version: number): Promise<boolean> {
    const tombstone = await this.tombstones.findOne({ _id: id });
    return !!tombstone && tombstone.deleted_at >= version;
  }
}

/**
 * Waits for an unordered insertMany; the indexes of the documents it skipped because their _id
 * was taken. Any other failure is thrown.
 */
async function duplicatesOf(insert: Promise<unknown>): Promise<Set<number>> {
  try {
    await insert;
    return new Set();
  } catch (error) {
    const failures = (error as { writeErrors?: { index: number; code: number }[] }).writeErrors;
    if (!failures || failures.some((failure) => failure.code !== 11000)) throw error;
    return new Set(failures.map((failure) => failure.index));
  }
}
