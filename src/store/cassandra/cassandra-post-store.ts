import { Injectable } from '@nestjs/common';
import { types } from 'cassandra-driver';
import { CassandraClient, CassandraStatement } from '../../database/cassandra/cassandra-client';
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
import { PostClaims } from './cassandra-post-claims';
import { listPostsPage } from './cassandra-post-listing';
import {
  baseRowWrite,
  commentFromRow,
  commentWrites,
  derivedRowWrites,
  historyFromRow,
  long,
  PostHistory,
  postFromRow,
} from './cassandra-post-rows';
import {
  commentByIdDelete,
  commentRowDelete,
  commentPartitionDelete,
  postDeletes,
  predecessorDeletes,
  staleKeyDeletes,
} from './cassandra-post-cleanup';
import { mapConcurrent } from '../../common/map-concurrent';
import { countRows } from './cassandra-scan';

const READ = { idempotent: true } as const;
// Every statement here names its own timestamp, so repeating one is harmless.
const WRITE = { idempotent: true } as const;

/**
 * PostStore on Cassandra: one table per query (posts_by_id, posts_by_month, posts_by_title,
 * posts_by_author, comments_by_post, comments_by_id), no secondary indexes, no ALLOW FILTERING.
 * Every write carries `USING TIMESTAMP` = the post's version (deletions: their own later
 * timestamp), so copies converge whatever order they arrive in. Request writes decide through a
 * compare-and-set on the post's head (PostClaims), then write like any replica.
 */
@Injectable()
export class CassandraPostStore extends PostStore {
  readonly name = 'cassandra';
  private readonly claims: PostClaims;

  constructor(private readonly client: CassandraClient) {
    super();
    this.claims = new PostClaims(client);
  }

  private get ks(): string {
    return this.client.keyspace;
  }

  async createPost(post: Post): Promise<void> {
    // a fresh id has no older rows to clean up and no deletion to respect
    await this.writeVersion(post);
  }

  async getPost(id: string): Promise<Post | null> {
    const result = await this.client.execute(
      `SELECT id, title, content, author, created_at, updated_at, version FROM ${this.client.table('posts_by_id')} WHERE id = ?`,
      [id],
      READ,
    );
    const row = result.first();
    return row && row.get('version') !== null ? postFromRow(row) : null;
  }

  async updatePost(next: Post, previous: Post): Promise<boolean> {
    if (!(await this.claims.claim(next.id, previous.version, next.version))) return false;
    await this.applyPost(next, previous);
    return true;
  }

  async deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    if (!(await this.claims.claim(previous.id, previous.version, deletedAt))) return false;
    await this.applyDelete(previous.id, deletedAt, previous);
    return true;
  }

  /**
   * Writes the version. With its predecessor known (null for a new post), that is all: the
   * predecessor's rows under other keys are removed at this version's timestamp in the same
   * batch, and whatever came before the predecessor was removed the same way by the
   * predecessor's own copy. Without it, reads back what the post has become (posts_by_id merges
   * every write, in any order) and removes what lost: listing rows under title keys or authors
   * the winning version no longer has, or everything when a deletion is newer than the winner.
   * Whichever of two racing writers reads last sees both writes, so the rows converge.
   */
  async applyPost(post: Post, predecessor?: Post | null): Promise<void> {
    if (predecessor !== undefined) {
      const cleanup = predecessor ? predecessorDeletes(this.ks, post, predecessor) : [];
      await this.writeVersion(post, cleanup);
      return;
    }
    await this.writeVersion(post);
    const [history, deletedAt] = await Promise.all([
      this.history(post.id),
      this.deletedAt(post.id),
    ]);
    await this.settle(post, history, deletedAt);
  }

  /**
   * applyPost without predecessors for a whole page (backfill): every version is written, then
   * what the posts have become is read back with one query per 100 posts instead of two per
   * post, and each is settled exactly like applyPost does.
   */
  override async applyPosts(posts: readonly Post[], concurrency: number): Promise<void> {
    await mapConcurrent(posts, concurrency, (post) => this.writeVersion(post));
    const ids = posts.map((p) => p.id);
    const [histories, deletions] = await Promise.all([this.histories(ids), this.deletions(ids)]);
    await mapConcurrent(posts, concurrency, (post) =>
      this.settle(post, histories.get(post.id) ?? null, deletions.get(post.id)),
    );
  }

  /** After writing `post` blind: removes what lost (see applyPost). */
  private async settle(
    post: Post,
    history: PostHistory | null,
    deletedAt: number | undefined,
  ): Promise<void> {
    if (deletedAt !== undefined && deletedAt >= (history?.version ?? post.version)) {
      await this.deleteRows(post.id, deletedAt, history, post);
      return;
    }
    if (history) await this.client.batch(staleKeyDeletes(this.ks, post.id, history), WRITE);
  }

  async applyDelete(id: string, deletedAt: number, last?: Post): Promise<void> {
    // recorded first: a replica write racing with this deletion checks it after writing
    await this.client.execute(
      `INSERT INTO ${this.client.table('post_deletions')} (id, deleted_at) VALUES (?, ?) USING TIMESTAMP ?`,
      [id, long(deletedAt), long(deletedAt)],
      WRITE,
    );
    const history = await this.history(id);
    if (history && history.version > deletedAt) return; // a newer version outlives the deletion
    // `last`'s rows too: its copy may not have arrived yet, and these tombstones will shadow it
    await this.deleteRows(id, deletedAt, history, last);
  }

  /** Writes, then checks for the post's deletion, exactly like the replica write. */
  async addComment(comment: Comment): Promise<boolean> {
    await this.writeComment(comment);
    const deletedAt = await this.deletedAt(comment.postId);
    await this.unlessDeleted(comment, deletedAt);
    return deletedAt === undefined;
  }

  private async writeComment(comment: Comment): Promise<void> {
    await this.client.batch(commentWrites(this.ks, comment), WRITE);
  }

  /**
   * Writes the comment, then checks once whether its post was deleted (before this copy or
   * racing with it) and if so removes it again, at a timestamp that covers both the deletion and
   * the comment (a comment written after the deletion's timestamp would otherwise outlive it).
   */
  async applyComment(comment: Comment): Promise<void> {
    await this.addComment(comment);
  }

  /** applyComment for a page: the deletions of their posts read with one query per 100 posts. */
  override async applyComments(comments: readonly Comment[], concurrency: number): Promise<void> {
    await mapConcurrent(comments, concurrency, (comment) => this.writeComment(comment));
    const deletions = await this.deletions([...new Set(comments.map((c) => c.postId))]);
    if (deletions.size === 0) return;
    await mapConcurrent(comments, concurrency, (comment) =>
      this.unlessDeleted(comment, deletions.get(comment.postId)),
    );
  }

  /**
   * A comment just written to a post deleted before it or racing with it is removed again
   * (deleteComments removes one stamped after the deletion at its own time).
   */
  private async unlessDeleted(comment: Comment, deletedAt: number | undefined): Promise<void> {
    if (deletedAt === undefined) return;
    await this.deleteComments(comment.postId, deletedAt, [comment]);
  }

  async getComment(id: string): Promise<Comment | null> {
    const result = await this.client.execute(
      `SELECT id, post_id, commenter, comment, created_at FROM ${this.client.table('comments_by_id')} WHERE id = ?`,
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
      `SELECT post_id, created_at, id, commenter, comment FROM ${this.client.table('comments_by_post')} WHERE post_id = ?${bound} LIMIT ?`,
      params,
      { ...READ, fetchSize: limit + 1 },
    );
    const items = result.rows.slice(0, limit).map(commentFromRow);
    const last = items[items.length - 1];
    return {
      items,
      next:
        result.rows.length > limit && last
          ? encodeCommentCursor(last.createdAt, last.id)
          : undefined,
    };
  }

  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return listPostsPage(this.client, query);
  }

  /**
   * Counted from posts_by_author's rows (one per post), grouped by its partition key on the
   * server. A full scan, like MongoDB's $group: cache it where it is called often.
   */
  async authorStats(): Promise<AuthorCount[]> {
    const counts: AuthorCount[] = [];
    for await (const row of this.client.rows(
      `SELECT author, COUNT(*) AS posts FROM ${this.client.table('posts_by_author')} GROUP BY author`,
      [],
      { ...READ, fetchSize: 5000 },
    )) {
      counts.push({ author: row.get('author') as string, posts: Number(row.get('posts')) });
    }
    return counts.sort(compareAuthorCounts);
  }

  /** Exact counts from the by-id tables, by token range (see countRows). */
  async totals(): Promise<StoreTotals> {
    const [posts, comments] = await Promise.all([
      countRows(this.client, 'posts_by_id', 'id'),
      countRows(this.client, 'comments_by_id', 'id'),
    ]);
    return { posts, comments };
  }

  /**
   * The base row and the listing rows side by side: each carries the version's timestamp, so
   * their order does not matter, and a failure of either fails the write (a retry repeats both).
   */
  private async writeVersion(post: Post, cleanup: CassandraStatement[] = []): Promise<void> {
    const base = baseRowWrite(this.ks, post);
    await Promise.all([
      this.client.execute(base.query, base.params, WRITE),
      this.client.batch([...derivedRowWrites(this.ks, post), ...cleanup], WRITE),
    ]);
  }

  private async history(id: string): Promise<PostHistory | null> {
    const result = await this.client.execute(
      `SELECT version, title, author, created_at, title_keys, authors FROM ${this.client.table('posts_by_id')} WHERE id = ?`,
      [id],
      READ,
    );
    return historyFromRow(result.first());
  }

  /** When the post was deleted in this store, if it was (for repairs and hint retries). */
  deletionOf(id: string): Promise<number | undefined> {
    return this.deletedAt(id);
  }

  private async deletedAt(id: string): Promise<number | undefined> {
    const result = await this.client.execute(
      `SELECT deleted_at FROM ${this.client.table('post_deletions')} WHERE id = ?`,
      [id],
      READ,
    );
    const value = result.first()?.get('deleted_at') as types.Long | undefined;
    return value === undefined || value === null ? undefined : Number(value);
  }

  /** posts_by_id's histories of many posts, 100 ids per query. */
  private async histories(ids: string[]): Promise<Map<string, PostHistory>> {
    const out = new Map<string, PostHistory>();
    for (const rows of await this.inChunks(
      `SELECT id, version, title, author, created_at, title_keys, authors FROM ${this.client.table('posts_by_id')} WHERE id IN ?`,
      ids,
    )) {
      for (const row of rows) {
        const history = historyFromRow(row);
        if (history) out.set(row.get('id') as string, history);
      }
    }
    return out;
  }

  /** The recorded deletions among many posts, 100 ids per query. */
  private async deletions(ids: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const rows of await this.inChunks(
      `SELECT id, deleted_at FROM ${this.client.table('post_deletions')} WHERE id IN ?`,
      ids,
    )) {
      for (const row of rows) {
        const at = row.get('deleted_at') as types.Long | null;
        if (at !== null) out.set(row.get('id') as string, Number(at));
      }
    }
    return out;
  }

  private async inChunks(cql: string, ids: string[]): Promise<types.Row[][]> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    return mapConcurrent(chunks, 4, async (chunk) => {
      const result = await this.client.execute(cql, [chunk], { ...READ, fetchSize: 1000 });
      return result.rows;
    });
  }

  private async deleteRows(
    id: string,
    deletedAt: number,
    history: PostHistory | null,
    also?: Post,
  ) {
    await this.client.batch(postDeletes(this.ks, id, deletedAt, history, also), WRITE);
    await this.deleteComments(id, deletedAt);
  }

  /**
   * Removes a deleted post's comments: each from comments_by_id (read from the post's partition,
   * plus `known` ids), then the partition with one tombstone. Not one batch: a post can have
   * thousands of comments.
   */
  private async deleteComments(postId: string, deletedAt: number, known: Comment[] = []) {
    const created = new Map(known.map((c) => [c.id, c.createdAt]));
    for await (const row of this.client.rows(
      `SELECT id, created_at FROM ${this.client.table('comments_by_post')} WHERE post_id = ?`,
      [postId],
      { ...READ, fetchSize: 1000 },
    )) {
      created.set(row.get('id') as string, row.get('created_at') as Date);
    }
    // a comment stamped after the deletion (its writer's clock, or a request that raced it) is
    // removed at its own time: the deletion's timestamp alone would not cover it
    await mapConcurrent([...created], 16, async ([id, createdAt]) => {
      const at = Math.max(deletedAt, createdAt.getTime() * 1000);
      const statements = [commentByIdDelete(this.ks, id, at)];
      if (at > deletedAt) statements.push(commentRowDelete(this.ks, postId, createdAt, id, at));
      for (const s of statements) await this.client.execute(s.query, s.params, WRITE);
    });
    const partition = commentPartitionDelete(this.ks, postId, deletedAt);
    await this.client.execute(partition.query, partition.params, WRITE);
  }
}
