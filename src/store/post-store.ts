import { Comment, Post, PostSort, PostSummary } from './post';

export * from './post';

/** One page of the post listing, with opaque cursors to the neighbouring pages. */
export interface PostPage {
  items: PostSummary[];
  /** cursor of the next page in this sort order; undefined on the last page */
  next?: string;
  /** cursor of the previous page; undefined on the first page */
  prev?: string;
}

export interface ListPostsQuery {
  sort: PostSort;
  /** from a previous PostPage; undefined = first page */
  cursor?: string;
  /** 1..100 */
  limit: number;
}

export interface CommentPage {
  items: Comment[];
  next?: string;
}

export interface AuthorCount {
  author: string;
  posts: number;
}

export interface StoreTotals {
  posts: number;
  comments: number;
}

/**
 * The port features (posts, comments, stats) depend on: request reads and writes. One
 * implementation per store, plus DualWritePostStore over a primary and a secondary; which one
 * serves is decided by the migration phase (PostStoreRouter, phasePlan). The migration engine
 * uses the Replica port instead (src/store/replica.ts).
 *
 * Request writes decide what happens: updates and deletes are conditional on the version the
 * caller read, so concurrent editors never overwrite each other unknowingly and every change
 * gets its own version.
 *
 * All methods reject when the store cannot answer; none of them swallows an error.
 */
export abstract class PostStore {
  /** 'mongo', 'cassandra' or 'dual-write(primary→secondary)': for logs, stats and errors. */
  abstract readonly name: string;

  /** Stores a new post. Its id must not exist yet (ids are fresh from newId). */
  abstract createPost(post: Post): Promise<void>;

  /** The post, or null when it does not exist (or was deleted). */
  abstract getPost(id: string): Promise<Post | null>;

  /**
   * Replaces `previous` (the post as the caller read it) with `next` (same id and createdAt, a
   * higher version) if the stored version is still `previous.version`. Returns false, changing
   * nothing, when the post was changed or deleted meanwhile: the caller re-reads and decides again.
   */
  abstract updatePost(next: Post, previous: Post): Promise<boolean>;

  /**
   * Deletes `previous` (the post as the caller read it) and all its comments if the stored
   * version is still `previous.version`; `deletedAt` (a version from deleteVersion) orders the
   * deletion after every write of the post. Returns false, changing nothing, when the post changed
   * meanwhile or is already gone.
   */
  abstract deletePost(previous: Post, deletedAt: number): Promise<boolean>;

  /**
   * Adds a comment to a post the caller found. Returns false, keeping nothing, when the post was
   * deleted before or while the comment was written (the caller answers 404): a comment is never
   * acknowledged and then lost with a post deleted at the same moment, nor left behind it.
   * Comments never change; adding the same comment twice leaves one.
   */
  abstract addComment(comment: Comment): Promise<boolean>;

  /**
   * Deletes one comment (moderation). `deletedAt` (a version from commentDeleteVersion) orders
   * the deletion after the comment's only write, and the deletion is recorded (a tombstone), so a
   * late or replayed copy of the comment never brings it back, in any store, in any order of
   * arrival. Returns false when the comment was already gone.
   */
  abstract deleteComment(comment: Comment, deletedAt: number): Promise<boolean>;

  /** The comment, or null. */
  abstract getComment(id: string): Promise<Comment | null>;

  /** A post's comments, oldest first (ties by id), `limit` at a time. */
  abstract listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage>;

  /**
   * How many comments the post has, counting no further than `upTo`: min(count, upTo). Bounded
   * work whatever the post holds (the comment limit and the delete page use it).
   */
  abstract countComments(postId: string, upTo: number): Promise<number>;

  /**
   * One page of posts in the given order: newest/oldest by createdAt, title/title-desc by the
   * case- and accent-insensitive title key; ties always broken by id, so paging never skips or
   * repeats a post. Rejects an invalid cursor with InvalidCursorError.
   */
  abstract listPosts(query: ListPostsQuery): Promise<PostPage>;

  /**
   * The `top` authors with the most posts: most posts first, ties by author name (UTF-8 bytes,
   * see compareUtf8), so every store picks and orders the same ones. A full scan: callers cache
   * it (AuthorStatsService); memory stays bounded by `top`, not by the number of authors.
   */
  abstract authorStats(top: number): Promise<AuthorCount[]>;

  /** How many posts and comments the store holds. */
  abstract totals(): Promise<StoreTotals>;
}
