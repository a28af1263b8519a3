import {
  decodeCommentCursor,
  decodeCursor,
  encodeCommentCursor,
  pageFromRows,
  sortKeyOf,
} from '../../src/store/cursor';
import { compareAuthorCounts, compareUtf8, PostSort, summaryOf } from '../../src/store/post';
import {
  AuthorCount,
  Comment,
  CommentPage,
  ListPostsQuery,
  Post,
  PostPage,
  PostStore,
  StoreTotals,
} from '../../src/store/post-store';
import { StoreUnavailableError } from '../../src/store/store-errors';

/**
 * A PostStore in memory with the port's contract: conditional writes by version, keyset paging
 * with the real cursors (a tampered one is an InvalidCursorError), comments oldest first, a
 * comment on a deleted post refused, a deleted comment never back. `unavailable` makes every call fail as a store that is down.
 * For the controller tier: the HTTP app on this store boots and answers in milliseconds.
 */
export class MemoryPostStore extends PostStore {
  readonly posts = new Map<string, Post>();
  readonly comments = new Map<string, Comment>();
  /** comments deleted on their own: id → deletedAt (a late add of one keeps nothing) */
  readonly deletedComments = new Map<string, number>();
  unavailable = false;

  constructor(readonly name: string) {
    super();
  }

  clear(): void {
    this.authorStatsCalls = 0;
    this.posts.clear();
    this.comments.clear();
    this.deletedComments.clear();
    this.unavailable = false;
  }

  private up(): void {
    if (this.unavailable) throw new StoreUnavailableError(`${this.name} is down (test)`);
  }

  async createPost(post: Post): Promise<void> {
    this.up();
    if (this.posts.has(post.id)) throw new Error(`duplicate id ${post.id}`);
    this.posts.set(post.id, { ...post });
  }

  async getPost(id: string): Promise<Post | null> {
    this.up();
    const post = this.posts.get(id);
    return post ? { ...post } : null;
  }

  async updatePost(next: Post, previous: Post): Promise<boolean> {
    this.up();
    if (this.posts.get(next.id)?.version !== previous.version) return false;
    this.posts.set(next.id, { ...next });
    return true;
  }

  async deletePost(previous: Post): Promise<boolean> {
    this.up();
    if (this.posts.get(previous.id)?.version !== previous.version) return false;
    this.posts.delete(previous.id);
    for (const [id, comment] of this.comments) {
      if (comment.postId === previous.id) this.comments.delete(id);
    }
    return true;
  }

  async addComment(comment: Comment): Promise<boolean> {
    this.up();
    if (!this.posts.has(comment.postId) || this.deletedComments.has(comment.id)) return false;
    this.comments.set(comment.id, { ...comment });
    return true;
  }

  async deleteComment(comment: Comment, deletedAt: number): Promise<boolean> {
    this.up();
    if (!this.comments.has(comment.id)) return false;
    this.deletedComments.set(comment.id, deletedAt);
    this.comments.delete(comment.id);
    return true;
  }

  async getComment(id: string): Promise<Comment | null> {
    this.up();
    return this.comments.get(id) ?? null;
  }

  async listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    this.up();
    const after = cursor ? decodeCommentCursor(cursor) : undefined;
    const all = [...this.comments.values()]
      .filter((c) => c.postId === postId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareUtf8(a.id, b.id))
      .filter(
        (c) =>
          !after ||
          c.createdAt.getTime() > after.createdAt.getTime() ||
          (c.createdAt.getTime() === after.createdAt.getTime() && compareUtf8(c.id, after.id) > 0),
      );
    const items = all.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      next: all.length > limit && last ? encodeCommentCursor(last.createdAt, last.id) : undefined,
    };
  }

  async countComments(postId: string, upTo: number): Promise<number> {
    this.up();
    let count = 0;
    for (const comment of this.comments.values()) {
      if (count >= upTo) break;
      if (comment.postId === postId) count++;
    }
    return count;
  }

  async listPosts(query: ListPostsQuery): Promise<PostPage> {
    this.up();
    const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : undefined;
    const descending = query.sort === 'newest' || query.sort === 'title-desc';
    const backwards = cursor?.direction === 'before';
    // read in the direction of the page wanted, then pageFromRows flips a backwards page
    const readDescending = backwards ? !descending : descending;
    const compare = (a: Post, b: Post) => {
      const byKey = compareKeys(query.sort, a, b) || compareUtf8(a.id, b.id);
      return readDescending ? -byKey : byKey;
    };
    const rows = [...this.posts.values()].sort(compare).filter((post) => {
      if (!cursor) return true;
      const order =
        compareKeysOf(sortKeyOf(query.sort, post), cursor.key) || compareUtf8(post.id, cursor.id);
      return readDescending ? order < 0 : order > 0;
    });
    return pageFromRows(
      rows.slice(0, query.limit + 1).map(summaryOf),
      query.sort,
      query.limit,
      cursor,
    );
  }

  /** calls of authorStats (a test of its cache counts the scans) */
  authorStatsCalls = 0;

  async authorStats(top: number): Promise<AuthorCount[]> {
    this.authorStatsCalls++;
    this.up();
    const counts = new Map<string, number>();
    for (const post of this.posts.values())
      counts.set(post.author, (counts.get(post.author) ?? 0) + 1);
    return [...counts]
      .map(([author, posts]) => ({ author, posts }))
      .sort(compareAuthorCounts)
      .slice(0, top);
  }

  async totals(): Promise<StoreTotals> {
    this.up();
    return { posts: this.posts.size, comments: this.comments.size };
  }
}

function compareKeysOf(a: number | string, b: number | string): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : compareUtf8(String(a), String(b));
}

function compareKeys(sort: PostSort, a: Post, b: Post): number {
  return compareKeysOf(sortKeyOf(sort, a), sortKeyOf(sort, b));
}
