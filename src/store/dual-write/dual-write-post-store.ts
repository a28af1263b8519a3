import { Logger } from '@nestjs/common';
import { reasonOf, withTimeout } from '../../common/with-timeout';
import { COMMENT_KIND } from '../../kinds/comment.kind';
import { POST_KIND } from '../../kinds/post.kind';
import { Hint, HintLog } from '../hints/hint-log';
import { Comment, Post } from '../post';
import {
  AuthorCount,
  CommentPage,
  ListPostsQuery,
  PostPage,
  PostStore,
  StoreTotals,
} from '../post-store';
import { Replica } from '../replica';
import { StoreUnavailableError } from '../store-errors';
import { nowMicros } from '../versions';

/** The primary store refused a write: the request fails and nothing was written anywhere. */
export class DualWritePrimaryError extends StoreUnavailableError {
  constructor(
    readonly store: string,
    readonly operation: string,
    readonly recordId: string,
    override readonly cause: unknown,
  ) {
    super(`${store} (primary) failed to ${operation} ${recordId}: ${reasonOf(cause)}`, cause);
    this.name = 'DualWritePrimaryError';
  }
}

export interface DualWriteOptions {
  /** A secondary copy slower than this counts as missed (hinted). */
  secondaryTimeoutMs: number;
  /**
   * Copies in flight before a request waits for its own copy instead of answering at once
   * (backpressure: a slow secondary slows writers down rather than piling up memory).
   */
  maxInFlight: number;
}

/** What the dual-write saw of its secondary since start, for stats and logs. */
export interface SecondaryCounters {
  writes: number;
  /** copies started and not finished (written or hinted) yet */
  inFlight: number;
  missed: number;
  /** misses whose hint could not be stored either: only a full reconcile finds these */
  unhinted: number;
}

/**
 * The copies a dual-write phase makes to its secondary, as the router and stats see them:
 * counters, and a way to wait until every copy started so far is written or hinted.
 */
export interface SecondaryCopies {
  readonly secondaryName: string;
  readonly counters: SecondaryCounters;
  /** Resolves once every copy started so far is written or hinted. */
  drain(): Promise<void>;
}

type Target = Omit<Hint, 'at' | 'error'>;

/**
 * Writes go to the primary first; its answer decides the request. Only then is the same
 * version copied to the secondary as a replica write (idempotent, ordered by version, so copies
 * may land in any order), and a secondary that fails or is too slow never fails the request:
 * the miss is logged with the record's id and kept as a hint in the primary for the retry loop.
 * Reads come from the primary.
 *
 * The request does not wait for the copy (unless maxInFlight copies are already running): it
 * answers once the primary, the source of truth, has the write. drain() waits for every copy;
 * shutdown drains, so only a crash can drop a copy before it is written or hinted, and the
 * reconciliation finds such a record by comparing the stores.
 */
export class DualWritePostStore extends PostStore implements SecondaryCopies {
  readonly name: string;
  private readonly tally = { writes: 0, missed: 0, unhinted: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly logger = new Logger(DualWritePostStore.name);

  get counters(): SecondaryCounters {
    return { ...this.tally, inFlight: this.inFlight.size };
  }

  get secondaryName(): string {
    return this.secondary.name;
  }

  constructor(
    readonly primary: PostStore,
    readonly secondary: Replica,
    readonly hints: HintLog,
    private readonly options: DualWriteOptions,
  ) {
    super();
    this.name = `dual-write(${primary.name}→${secondary.name})`;
  }

  async createPost(post: Post): Promise<void> {
    await this.onPrimary('create post', post.id, () => this.primary.createPost(post));
    // null: a new post has no earlier version for the secondary to clean up after
    await this.copy(postTarget(post.id, 'upsert'), () =>
      this.secondary.apply(POST_KIND, post, null),
    );
  }

  getPost(id: string): Promise<Post | null> {
    return this.primary.getPost(id);
  }

  async updatePost(next: Post, previous: Post): Promise<boolean> {
    const updated = await this.onPrimary('update post', next.id, () =>
      this.primary.updatePost(next, previous),
    );
    if (updated) {
      // the primary went from exactly `previous` to `next`: the copy can say so
      await this.copy(postTarget(next.id, 'upsert'), () =>
        this.secondary.apply(POST_KIND, next, previous),
      );
    }
    return updated;
  }

  async deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    const id = previous.id;
    const deleted = await this.onPrimary('delete post', id, () =>
      this.primary.deletePost(previous, deletedAt),
    );
    if (deleted) {
      await this.copy(postTarget(id, 'delete'), () =>
        this.secondary.applyDelete(POST_KIND, id, deletedAt, previous),
      );
    }
    return deleted;
  }

  async addComment(comment: Comment): Promise<boolean> {
    const added = await this.onPrimary('add comment', comment.id, () =>
      this.primary.addComment(comment),
    );
    if (added) {
      await this.copy(commentTarget(comment, 'upsert'), () =>
        this.secondary.apply(COMMENT_KIND, comment),
      );
    }
    return added;
  }

  async deleteComment(comment: Comment, deletedAt: number): Promise<boolean> {
    const deleted = await this.onPrimary('delete comment', comment.id, () =>
      this.primary.deleteComment(comment, deletedAt),
    );
    if (deleted) {
      // the comment as deleted: the secondary removes its rows even if its copy is still on the way
      await this.copy(commentTarget(comment, 'delete'), () =>
        this.secondary.applyDelete(COMMENT_KIND, comment.id, deletedAt, comment),
      );
    }
    return deleted;
  }

  getComment(id: string): Promise<Comment | null> {
    return this.primary.getComment(id);
  }

  listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    return this.primary.listComments(postId, limit, cursor);
  }

  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return this.primary.listPosts(query);
  }

  authorStats(): Promise<AuthorCount[]> {
    return this.primary.authorStats();
  }

  totals(): Promise<StoreTotals> {
    return this.primary.totals();
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async onPrimary<T>(operation: string, id: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw new DualWritePrimaryError(this.primary.name, operation, id, error);
    }
  }

  /** Starts the copy; resolves at once, or when it is done if too many copies are running. */
  private copy(target: Target, write: () => Promise<void>): Promise<void> {
    const done = this.mirror(target, write).finally(() => {
      this.inFlight.delete(done);
    });
    this.inFlight.add(done);
    return this.inFlight.size > this.options.maxInFlight ? done : Promise.resolve();
  }

  /** Copies to the secondary; a failure or timeout becomes a log line and a hint, never an error. */
  private async mirror(target: Target, write: () => Promise<void>) {
    this.tally.writes++;
    try {
      await withTimeout(
        write(),
        this.options.secondaryTimeoutMs,
        `${this.secondary.name} (secondary)`,
      );
      return;
    } catch (error) {
      this.tally.missed++;
      const hint: Hint = { ...target, at: nowMicros(), error: reasonOf(error) };
      const what = `${target.op} of ${target.entity} ${target.id}`;
      try {
        await this.hints.record(hint);
        this.logger.warn(
          `${this.secondary.name} (secondary) missed the ${what}: ${hint.error}; hint kept in ${this.hints.store}`,
        );
      } catch (hintError) {
        this.tally.unhinted++;
        this.logger.error(
          `${this.secondary.name} (secondary) missed the ${what}: ${hint.error}; the hint could not be stored in ${this.hints.store} either (${reasonOf(hintError)}): the stores differ until the next reconcile`,
        );
      }
    }
  }
}

function postTarget(id: string, op: Hint['op']): Target {
  return { entity: POST_KIND.name, id, postId: id, op };
}

function commentTarget(comment: Comment, op: Hint['op']): Target {
  return { entity: COMMENT_KIND.name, id: comment.id, postId: comment.postId, op };
}
