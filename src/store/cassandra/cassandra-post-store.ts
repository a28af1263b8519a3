import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { COMMENTS_BY_ID, COMMENTS_BY_POST } from '../../kinds/comment.kind';
import { POSTS_BY_AUTHOR, POSTS_BY_ID } from '../../kinds/post.kind';
import { decodeCommentCursor, encodeCommentCursor } from '../cursor';
import { Comment, Post, TopAuthors } from '../post';
import {
  AuthorCount,
  CommentPage,
  ListPostsQuery,
  PostPage,
  PostStore,
  StoreTotals,
} from '../post-store';
import { CassandraCommentRecords } from './cassandra-comment-records';
import { PostClaims } from './cassandra-post-claims';
import { listPostsPage } from './cassandra-post-listing';
import { CassandraPostRecords, READ } from './cassandra-post-records';
import { commentFromRow, postFromRow } from './cassandra-post-rows';
import { countRows } from './cassandra-scan';
import { selectColumns } from './cql';

/**
 * PostStore on Cassandra: one table per query (posts_by_id, posts_by_month, posts_by_title,
 * posts_by_author, comments_by_post, comments_by_id; and the deletions), no secondary indexes, no ALLOW FILTERING.
 * Request writes decide through a compare-and-set on the post's head (PostClaims), then write
 * like any replica (CassandraPostRecords: every write at the version's timestamp).
 */
export class CassandraPostStore extends PostStore {
  readonly name = 'cassandra';
  private readonly claims: PostClaims;

  constructor(
    private readonly client: CassandraClient,
    private readonly records: CassandraPostRecords,
    private readonly commentRecords: CassandraCommentRecords,
  ) {
    super();
    this.claims = new PostClaims(client);
  }

  async createPost(post: Post): Promise<void> {
    // a fresh id has no older rows to clean up and no deletion to respect
    await this.records.writeVersion(post);
  }

  async getPost(id: string): Promise<Post | null> {
    const result = await this.client.execute(
      `SELECT ${selectColumns(POSTS_BY_ID)} FROM ${this.client.table(POSTS_BY_ID.name)} WHERE id = ?`,
      [id],
      READ,
    );
    const row = result.first();
    return row ? postFromRow(row) : null;
  }

  async updatePost(next: Post, previous: Post): Promise<boolean> {
    if (!(await this.claims.claim(next.id, previous.version, next.version))) return false;
    await this.records.apply(next, previous);
    return true;
  }

  async deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    if (!(await this.claims.claim(previous.id, previous.version, deletedAt))) return false;
    await this.records.applyDelete(previous.id, deletedAt, previous);
    return true;
  }

  addComment(comment: Comment): Promise<boolean> {
    return this.commentRecords.add(comment);
  }

  deleteComment(comment: Comment, deletedAt: number): Promise<boolean> {
    return this.commentRecords.delete(comment, deletedAt);
  }

  async getComment(id: string): Promise<Comment | null> {
    const result = await this.client.execute(
      `SELECT ${selectColumns(COMMENTS_BY_ID)} FROM ${this.client.table(COMMENTS_BY_ID.name)} WHERE id = ?`,
      [id],
      READ,
    );
    const row = result.first();
    return row ? commentFromRow(row) : null;
  }

  async listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    const after = cursor ? decodeCommentCursor(cursor) : undefined;
    const bound = after ? ' AND (created_at, id) > (?, ?)' : '';
    const params: unknown[] = after
      ? [postId, after.createdAt, after.id, limit + 1]
      : [postId, limit + 1];
    const result = await this.client.execute(
      `SELECT ${selectColumns(COMMENTS_BY_POST)} FROM ${this.client.table(COMMENTS_BY_POST.name)} WHERE post_id = ?${bound} LIMIT ?`,
      params,
      { ...READ, fetchSize: limit + 1 },
    );
    const items = result.rows
      .slice(0, limit)
      .map(commentFromRow)
      .filter((c): c is Comment => c !== null);
    const last = items[items.length - 1];
    return {
      items,
      next:
        result.rows.length > limit && last
          ? encodeCommentCursor(last.createdAt, last.id)
          : undefined,
    };
  }

  /** The first `upTo` rows of the post's partition, keys only: never more are read. */
  async countComments(postId: string, upTo: number): Promise<number> {
    if (upTo <= 0) return 0;
    let count = 0;
    for await (const _row of this.client.rows(
      `SELECT id FROM ${this.client.table(COMMENTS_BY_POST.name)} WHERE post_id = ? LIMIT ?`,
      [postId, upTo],
      { ...READ, fetchSize: Math.min(upTo, 5000) },
    )) {
      count++;
    }
    return count;
  }

  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return listPostsPage(this.client, query);
  }

  /**
   * Counted from posts_by_author's rows (one per post), grouped by its partition key on the
   * server, a page of groups at a time; only the top ones are kept. A full scan, like
   * MongoDB's $group: cached by its caller.
   */
  async authorStats(top: number): Promise<AuthorCount[]> {
    const kept = new TopAuthors(top);
    for await (const row of this.client.rows(
      `SELECT author, COUNT(*) AS posts FROM ${this.client.table(POSTS_BY_AUTHOR.name)} GROUP BY author`,
      [],
      { ...READ, fetchSize: 5000 },
    )) {
      kept.add({ author: row.get('author') as string, posts: Number(row.get('posts')) });
    }
    return kept.result();
  }

  /** Exact counts from the by-id tables, by token range (see countRows). */
  async totals(): Promise<StoreTotals> {
    const [posts, comments] = await Promise.all([
      countRows(this.client, POSTS_BY_ID.name, POSTS_BY_ID.partitionKey),
      countRows(this.client, COMMENTS_BY_ID.name, COMMENTS_BY_ID.partitionKey),
    ]);
    return { posts, comments };
  }
}
