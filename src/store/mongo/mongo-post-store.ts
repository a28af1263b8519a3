import { Collection } from 'mongoose';
import { decodeCommentCursor, encodeCommentCursor } from '../cursor';
import { compareAuthorCounts, Comment, Post } from '../post';
import {
  AuthorCount,
  CommentPage,
  ListPostsQuery,
  PostPage,
  PostStore,
  StoreTotals,
} from '../post-store';
import {
  CommentDocument,
  fromCommentDocument,
  fromPostDocument,
  PostDocument,
  toPostDocument,
} from './mongo-documents';
import { MongoCommentRecords } from './mongo-comment-records';
import { listPostsPage } from './mongo-post-listing';
import { MongoPostRecords } from './mongo-post-records';

/** How long the author statistics' aggregation may run on the server before it is ended. */
const AUTHOR_STATS_MAX_TIME_MS = 60_000;

/**
 * PostStore on MongoDB (and FerretDB): the design's `posts` and `comments` collections, plus
 * `deleted_posts` and `comment_deletions` tombstones. Only single-document operations, so it needs no transactions;
 * every check-then-write on one post runs under that post's lock (MongoPostRecords).
 */
export class MongoPostStore extends PostStore {
  readonly name = 'mongo';

  constructor(
    private readonly records: MongoPostRecords,
    private readonly commentRecords: MongoCommentRecords,
  ) {
    super();
  }

  private get posts(): Collection<PostDocument> {
    return this.records.posts;
  }
  private get comments(): Collection<CommentDocument> {
    return this.records.comments;
  }

  async createPost(post: Post): Promise<void> {
    await this.records.partitions.note([post]);
    await this.posts.insertOne(toPostDocument(post));
  }

  async getPost(id: string): Promise<Post | null> {
    const doc = await this.posts.findOne({ _id: id });
    return doc ? fromPostDocument(doc) : null;
  }

  async updatePost(next: Post, previous: Post): Promise<boolean> {
    return this.records.lock.withLock(next.id, async () => {
      if ((await this.records.storedVersion(next.id)) !== previous.version) return false;
      await this.records.partitions.note([next]);
      await this.posts.updateOne({ _id: next.id }, { $set: toPostDocument(next) });
      return true;
    });
  }

  async deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    const id = previous.id;
    return this.records.lock.withLock(id, async () => {
      if ((await this.records.storedVersion(id)) !== previous.version) return false;
      await this.records.recordDeletion(id, deletedAt);
      await this.posts.deleteOne({ _id: id });
      // after the post: a crash in between leaves orphan comments (invisible, removed by
      // reconciliation), never a visible post that lost its comments
      await this.comments.deleteMany({ post_id: id });
      return true;
    });
  }

  addComment(comment: Comment): Promise<boolean> {
    return this.commentRecords.add(comment);
  }

  deleteComment(comment: Comment, deletedAt: number): Promise<boolean> {
    return this.commentRecords.delete(comment, deletedAt);
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

  countComments(postId: string, upTo: number): Promise<number> {
    // `limit` stops the count there (the post_id index serves it)
    return this.comments.countDocuments({ post_id: postId }, { limit: upTo });
  }

  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return listPostsPage(this.posts, this.records.partitions, query);
  }

  async authorStats(top: number): Promise<AuthorCount[]> {
    // MongoDB orders strings by their bytes (no collation), as compareUtf8 does; the server
    // keeps only the top ones, and maxTimeMS ends a scan that runs too long on the server too
    const rows = await this.posts
      .aggregate<{ _id: string; posts: number }>(
        [
          { $group: { _id: '$author', posts: { $sum: 1 } } },
          { $sort: { posts: -1, _id: 1 } },
          { $limit: top },
        ],
        { allowDiskUse: true, maxTimeMS: AUTHOR_STATS_MAX_TIME_MS },
      )
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
}
