import { COMMENT_KIND } from '../../kinds/comment.kind';
import { POST_KIND } from '../../kinds/post.kind';
import { Hint } from '../hints/hint-log';
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
import {
  CopyTarget,
  SecondaryCopier,
  SecondaryCopies,
  SecondaryCounters,
} from './secondary-copier';

export { DualWritePrimaryError } from './secondary-copier';
export type { DualWriteOptions, SecondaryCopies, SecondaryCounters } from './secondary-copier';

/**
 * Posts and comments in a dual-write phase: writes go to the primary first, whose answer decides
 * the request; then the same version is copied to the secondary by the phase's SecondaryCopier
 * (shared with the other kinds' dual-write stores), which hints a miss instead of failing the
 * request. Reads come from the primary.
 */
export class DualWritePostStore extends PostStore implements SecondaryCopies {
  readonly name: string;

  constructor(
    readonly primary: PostStore,
    private readonly copier: SecondaryCopier,
  ) {
    super();
    this.name = `dual-write(${primary.name}→${copier.secondaryName})`;
  }

  get secondary(): Replica {
    return this.copier.secondary;
  }

  // the phase's copies (every kind's), as the copier counts them
  get secondaryName(): string {
    return this.copier.secondaryName;
  }
  get counters(): SecondaryCounters {
    return this.copier.counters;
  }
  drain(): Promise<void> {
    return this.copier.drain();
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

  countComments(postId: string, upTo: number): Promise<number> {
    return this.primary.countComments(postId, upTo);
  }

  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return this.primary.listPosts(query);
  }

  authorStats(top: number): Promise<AuthorCount[]> {
    return this.primary.authorStats(top);
  }

  totals(): Promise<StoreTotals> {
    return this.primary.totals();
  }

  private onPrimary<T>(operation: string, id: string, write: () => Promise<T>): Promise<T> {
    return this.copier.onPrimary(operation, id, write);
  }

  private copy(target: CopyTarget, write: () => Promise<void>): Promise<void> {
    return this.copier.copy(target, write);
  }
}

function postTarget(id: string, op: Hint['op']): CopyTarget {
  return { entity: POST_KIND.name, id, postId: id, op };
}

function commentTarget(comment: Comment, op: Hint['op']): CopyTarget {
  return { entity: COMMENT_KIND.name, id: comment.id, postId: comment.postId, op };
}
