import { Logger } from '@nestjs/common';
import { Comment, Post } from '../post';
import {
  AuthorCount,
  CommentPage,
  ListPostsQuery,
  PostPage,
  PostStore,
  StoreTotals,
} from '../post-store';
import { Hint, HintLog } from '../hints/hint-log';
import { nowMicros } from '../versions';
import { reasonOf, withTimeout } from '../../common/with-timeout';

/** The primary store refused a write: the request fails and nothing was written anywhere. */
export class DualWritePrimaryError extends Error {
  constructor(
    readonly store: string,
    readonly operation: string,
    readonly recordId: string,
    override readonly cause: unknown,
  ) {
    super(`${store} (primary) failed to ${operation} ${recordId}: ${reasonOf(cause)}`);
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
export class DualWritePostStore extends PostStore {
  readonly name: string;
  private readonly tally = { writes: 0, missed: 0, unhinted: 0 };
  private readonly inFlight = new Set<Promise<void>>();

  get counters(): SecondaryCounters {
    return { ...this.tally, inFlight: this.inFlight.size };
  }
  private readonly logger = new Logger(DualWritePostStore.name);

  constructor(
    readonly primary: PostStore,
    readonly secondary: PostStore,
    readonly hints: HintLog,
    private readonly options: DualWriteOptions,
  ) {
    super();
    this.name = `dual-write(${primary.name}→${secondary.name})`;
  }

  async createPost(post: Post): Promise<void> {
    await this.onPrimary('create post', post.id, () => this.primary.createPost(post));
    // null: a new post has no earlier version for the secondary to clean up after
    await this.copy({ entity: 'post', id: post.id, postId: post.id, op: 'upsert' }, () =>
      this.secondary.applyPost(post, null),
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
      await this.copy({ entity: 'post', id: next.id, postId: next.id, op: 'upsert' }, () =>
        this.secondary.applyPost(next, previous),
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
      await this.copy({ entity: 'post', id, postId: id, op: 'delete' }, () =>
        this.secondary.applyDelete(id, deletedAt, previous),
      );
    }
    return deleted;
  }

  async applyPost(post: Post, predecessor?: Post | null): Promise<void> {
    await this.onPrimary('apply post', post.id, () => this.primary.applyPost(post, predecessor));
    await this.copy({ entity: 'post', id: post.id, postId: post.id, op: 'upsert' }, () =>
      this.secondary.applyPost(post, predecessor),
    );
  }

  async applyDelete(id: string, deletedAt: number, last?: Post): Promise<void> {
    await this.onPrimary('apply delete of post', id, () =>
      this.primary.applyDelete(id, deletedAt, last),
    );
    await this.copy({ entity: 'post', id, postId: id, op: 'delete' }, () =>
      this.secondary.applyDelete(id, deletedAt, last),
    );
  }

  async addComment(comment: Comment): Promise<boolean> {
    const added = await this.onPrimary('add comment', comment.id, () =>
      this.primary.addComment(comment),
    );
    if (added) await this.copyComment(comment);
    return added;
  }

  async applyComment(comment: Comment): Promise<void> {
    await this.onPrimary('apply comment', comment.id, () => this.primary.applyComment(comment));
    await this.copyComment(comment);
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

  /** Resolves once every copy started so far is written or hinted. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private copyComment(comment: Comment): Promise<void> {
    return this.copy(
      { entity: 'comment', id: comment.id, postId: comment.postId, op: 'upsert' },
      () => this.secondary.applyComment(comment),
    );
  }

  private async onPrimary<T>(operation: string, id: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw new DualWritePrimaryError(this.primary.name, operation, id, error);
    }
  }

  /** Starts the copy; resolves at once, or when it is done if too many copies are running. */
  private copy(target: Omit<Hint, 'at' | 'error'>, write: () => Promise<void>): Promise<void> {
    const done = this.mirror(target, write).finally(() => {
      this.inFlight.delete(done);
    });
    this.inFlight.add(done);
    return this.inFlight.size > this.options.maxInFlight ? done : Promise.resolve();
  }

  /** Copies to the secondary; a failure or timeout becomes a log line and a hint, never an error. */
  private async mirror(target: Omit<Hint, 'at' | 'error'>, write: () => Promise<void>) {
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
