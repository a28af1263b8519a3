import { InvalidCursorError } from '../../../src/store/cursor';
import {
  AuthorCount,
  Comment,
  CommentPage,
  ListPostsQuery,
  Post,
  PostPage,
  PostStore,
  StoreTotals,
  summaryOf,
} from '../../../src/store/post-store';

/**
 * An in-memory PostStore with the port's conditional-write semantics, and hooks that let a test
 * play "another editor" at the worst moment (between the service's read and its write).
 */
export class FakePostStore extends PostStore {
  readonly name = 'fake';
  readonly posts = new Map<string, Post>();
  readonly comments: Comment[] = [];
  /** runs before each conditional update/delete is checked */
  beforeWrite?: (id: string) => void;
  calls = { getPost: 0, updatePost: 0, deletePost: 0, deleteComment: 0, countComments: 0 };

  async createPost(post: Post): Promise<void> {
    if (this.posts.has(post.id)) throw new Error(`duplicate id ${post.id}`);
    this.posts.set(post.id, { ...post });
  }

  async getPost(id: string): Promise<Post | null> {
    this.calls.getPost++;
    const post = this.posts.get(id);
    return post ? { ...post } : null;
  }

  async updatePost(next: Post, previous: Post): Promise<boolean> {
    this.calls.updatePost++;
    this.beforeWrite?.(next.id);
    const stored = this.posts.get(next.id);
    if (!stored || stored.version !== previous.version) return false;
    this.posts.set(next.id, { ...next });
    return true;
  }

  async deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    const id = previous.id;
    this.calls.deletePost++;
    this.beforeWrite?.(id);
    const stored = this.posts.get(id);
    if (!stored || stored.version !== previous.version || deletedAt <= stored.version) return false;
    this.posts.delete(id);
    this.comments.splice(0, this.comments.length, ...this.comments.filter((c) => c.postId !== id));
    return true;
  }

  /** Another writer's change: a new version of the stored post. */
  bump(id: string, title = 'changed by someone else'): void {
    const stored = this.posts.get(id);
    if (stored) this.posts.set(id, { ...stored, title, version: stored.version + 1 });
  }

  async addComment(comment: Comment): Promise<boolean> {
    if (!this.posts.has(comment.postId)) return false;
    this.comments.push({ ...comment });
    return true;
  }

  async listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    const start = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(start)) throw new InvalidCursorError();
    const all = this.comments.filter((c) => c.postId === postId);
    const items = all.slice(start, start + limit);
    return { items, next: start + limit < all.length ? String(start + limit) : undefined };
  }

  /** the `upTo` of every countComments call */
  readonly countCalls: number[] = [];

  async countComments(postId: string, upTo: number): Promise<number> {
    this.calls.countComments++;
    this.countCalls.push(upTo);
    return Math.min(this.comments.filter((c) => c.postId === postId).length, upTo);
  }

  async listPosts(query: ListPostsQuery): Promise<PostPage> {
    if (query.cursor === 'bad') throw new InvalidCursorError();
    return { items: [...this.posts.values()].slice(0, query.limit).map(summaryOf) };
  }

  /** Removes the comment; false when it is not there (any more). */
  async deleteComment(comment: Comment, deletedAt: number): Promise<boolean> {
    this.calls.deleteComment++;
    const index = this.comments.findIndex((c) => c.id === comment.id);
    if (index < 0 || deletedAt <= comment.createdAt.getTime() * 1000) return false;
    this.comments.splice(index, 1);
    return true;
  }

  getComment(): Promise<Comment | null> {
    throw new Error('not used by the web layer');
  }
  authorStats(): Promise<AuthorCount[]> {
    throw new Error('not used by the web layer');
  }
  totals(): Promise<StoreTotals> {
    throw new Error('not used by the web layer');
  }
}
