import { mapConcurrent } from '../common/map-concurrent';
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

/**
 * The versions a store held of its posts when someone looked (post id → version), at the start of
 * a backfill say. A post's stored version only grows, or the post is deleted by a tombstone at
 * least as new, so a post whose known version is at least its own needs no write even if the
 * store moved on since (unless its collections were dropped or restored meanwhile); a post missing
 * from it may be new or may have arrived since.
 */
export type KnownVersions = ReadonlyMap<string, number>;

export interface StoreTotals {
  posts: number;
  comments: number;
}

/**
 * The port every feature (posts, comments, stats, migration) depends on. One implementation
 * per store, plus DualWritePostStore over two of them; which one serves is decided in one place
 * (the provider), by the migration phase.
 *
 * Two kinds of writes:
 * - request writes (createPost, updatePost, deletePost, addComment) decide what happens:
 *   updates and deletes are conditional on the version the caller read, so concurrent editors
 *   never overwrite each other unknowingly and every change gets its own version;
 * - replica writes (applyPost, applyDelete, applyComment) copy a decision already made by
 *   another store (dual-write secondary, hint retry, backfill, reconcile). They are idempotent
 *   and ordered by version: applying an older version, or a post that was deleted later, changes
 *   nothing, whatever order they arrive in and however often.
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
   * Writes this version of the post unless the store holds a newer one or a later deletion.
   * `predecessor` tells what came right before it in the store that decided: `null` for a new
   * post, the previous version for an edit. A store may then skip looking for older copies to
   * clean up (Cassandra removes the predecessor's rows at this version's timestamp, which also
   * shadows them if they arrive later). Leave it out (retries, backfill, repair) when unknown:
   * the store then finds out itself.
   */
  abstract applyPost(post: Post, predecessor?: Post | null): Promise<void>;

  /**
   * Deletes the post and its comments, unless the store holds a version written after deletedAt.
   * `last`, when known, is the version the deletion removed (its rows are removed even if its
   * copy has not arrived yet).
   */
  abstract applyDelete(id: string, deletedAt: number, last?: Post): Promise<void>;

  /**
   * applyPost for many posts (backfill): the same guarantees for each, `concurrency` at a time.
   * A store may do the same work in fewer round trips. `known`, when given, holds the versions
   * this store had of its posts a while ago (see KnownVersions); a store may use it to skip
   * looking them up.
   */
  async applyPosts(
    posts: readonly Post[],
    concurrency: number,
    _known?: KnownVersions,
  ): Promise<void> {
    await mapConcurrent(posts, concurrency, (post) => this.applyPost(post));
  }

  /** applyDelete for many deletions (a backfill's last stage), like applyPosts. */
  async applyDeletes(
    deletions: readonly { id: string; deletedAt: number }[],
    concurrency: number,
  ): Promise<void> {
    await mapConcurrent(deletions, concurrency, ({ id, deletedAt }) =>
      this.applyDelete(id, deletedAt),
    );
  }

  /** applyComment for many comments, like applyPosts. */
  async applyComments(comments: readonly Comment[], concurrency: number): Promise<void> {
    await mapConcurrent(comments, concurrency, (comment) => this.applyComment(comment));
  }

  /**
   * Adds a comment to a post the caller found. Returns false, keeping nothing, when the post was
   * deleted before or while the comment was written (the caller answers 404): a comment is never
   * acknowledged and then lost with a post deleted at the same moment, nor left behind it.
   * Comments never change; adding the same comment twice leaves one.
   */
  abstract addComment(comment: Comment): Promise<boolean>;

  /** Replica form of addComment: idempotent, and never attaches a comment to a deleted post's data. */
  abstract applyComment(comment: Comment): Promise<void>;

  /** The comment, or null. */
  abstract getComment(id: string): Promise<Comment | null>;

  /** A post's comments, oldest first (ties by id), `limit` at a time. */
  abstract listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage>;

  /**
   * One page of posts in the given order: newest/oldest by createdAt, title/title-desc by the
   * case- and accent-insensitive title key; ties always broken by id, so paging never skips or
   * repeats a post. Rejects an invalid cursor with InvalidCursorError.
   */
  abstract listPosts(query: ListPostsQuery): Promise<PostPage>;

  /** Posts per author, most posts first, then by author name. */
  abstract authorStats(): Promise<AuthorCount[]>;

  /** How many posts and comments the store holds. */
  abstract totals(): Promise<StoreTotals>;
}
