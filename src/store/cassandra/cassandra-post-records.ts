import { types } from 'cassandra-driver';
import { mapConcurrent } from '../../common/map-concurrent';
import { CassandraClient, CassandraStatement } from '../../database/cassandra/cassandra-client';
import { Comment, COMMENTS_BY_POST } from '../../kinds/comment.kind';
import { Post, POST_KIND, POSTS_BY_ID } from '../../kinds/post.kind';
import { CassandraTable } from '../../kinds/record-kind';
import { Deletion, RecordWriter } from '../replica';
import {
  commentByIdDelete,
  commentPartitionDelete,
  commentRowDelete,
  postDeletes,
  predecessorDeletes,
  staleKeyDeletes,
} from './cassandra-post-cleanup';
import { baseRowWrite, derivedRowWrites, historyFromRow, PostHistory } from './cassandra-post-rows';
import { CassandraKindMethods } from './cassandra-kind-methods';
import { CassandraTombstones } from './cassandra-tombstones';

export const READ = { idempotent: true } as const;

/** Comments a post deletion reads and removes at a time (memory per deletion stays this size). */
export const COMMENT_DELETE_BATCH = 500;
// Every statement here names its own timestamp, so repeating one is harmless.
export const WRITE = { idempotent: true } as const;

/**
 * Posts in Cassandra as replica writes: every write carries `USING TIMESTAMP` = the post's
 * version (deletions: their own later timestamp), so copies converge whatever order they arrive
 * in. Shared by the request store (which decides first, see PostClaims) and the replica.
 */
export class CassandraPostRecords implements CassandraKindMethods<Post> {
  readonly kind = POST_KIND;
  private readonly tombstones: CassandraTombstones;

  constructor(private readonly client: CassandraClient) {
    this.tombstones = new CassandraTombstones(client, POST_KIND.deletions!.cassandra);
  }

  private get ks(): string {
    return this.client.keyspace;
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
  async apply(post: Post, predecessor?: Post | null): Promise<void> {
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
   * apply without predecessors for many posts (a backfill's page, a hint retry's batch): every
   * version is written, then what the posts have become is read back with one query per 100
   * posts instead of two per post, and each is settled exactly like apply does.
   */
  async applyMany(posts: readonly Post[], concurrency: number): Promise<void> {
    await mapConcurrent(posts, concurrency, (post) => this.writeVersion(post));
    const ids = posts.map((p) => p.id);
    const [histories, deletions] = await Promise.all([this.histories(ids), this.deletions(ids)]);
    await mapConcurrent(posts, concurrency, (post) =>
      this.settle(post, histories.get(post.id) ?? null, deletions.get(post.id)),
    );
  }

  writer(): RecordWriter<Post> {
    return (posts, concurrency) => this.applyMany(posts, concurrency);
  }

  /** After writing `post` blind: removes what lost (see apply). */
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
    await this.tombstones.record(id, deletedAt);
    const history = await this.history(id);
    if (history && history.version > deletedAt) return; // a newer version outlives the deletion
    // `last`'s rows too: its copy may not have arrived yet, and these tombstones will shadow it
    await this.deleteRows(id, deletedAt, history, last);
  }

  async applyDeletes(deletions: readonly Deletion[], concurrency: number): Promise<void> {
    await mapConcurrent(deletions, concurrency, ({ id, deletedAt }) =>
      this.applyDelete(id, deletedAt),
    );
  }

  /** A repair of posts_by_id keeps its bookkeeping maps (see baseRowWrite). */
  rowWrites(table: CassandraTable<Post>, post: Post, timestamp: number) {
    return table === POSTS_BY_ID ? [baseRowWrite(this.ks, post, timestamp)] : undefined;
  }

  /**
   * The base row and the listing rows side by side: each carries the version's timestamp, so
   * their order does not matter, and a failure of either fails the write (a retry repeats both).
   */
  async writeVersion(post: Post, cleanup: CassandraStatement[] = []): Promise<void> {
    const base = baseRowWrite(this.ks, post);
    await Promise.all([
      this.client.execute(base.query, base.params, WRITE),
      this.client.batch([...derivedRowWrites(this.ks, post), ...cleanup], WRITE),
    ]);
  }

  private async history(id: string): Promise<PostHistory | null> {
    const result = await this.client.execute(
      `SELECT version, title, author, created_at, title_keys, authors FROM ${this.client.table(POSTS_BY_ID.name)} WHERE id = ?`,
      [id],
      READ,
    );
    return historyFromRow(result.first());
  }

  /** When the post was deleted in this store, if it was. */
  deletedAt(id: string): Promise<number | undefined> {
    return this.tombstones.deletedAt(id);
  }

  /** posts_by_id's histories of many posts, 100 ids per query. */
  private async histories(ids: string[]): Promise<Map<string, PostHistory>> {
    const out = new Map<string, PostHistory>();
    for (const rows of await this.inChunks(
      `SELECT id, version, title, author, created_at, title_keys, authors FROM ${this.client.table(POSTS_BY_ID.name)} WHERE id IN ?`,
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
  deletions(ids: string[]): Promise<Map<string, number>> {
    return this.tombstones.among(ids);
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
   * Removes a deleted post's comments: each from comments_by_id (`known` ones, then the post's
   * partition read a page of COMMENT_DELETE_BATCH at a time, each page removed before the next is
   * read, so memory stays bounded however many comments the post has), then the partition with
   * one tombstone. Last, so a deletion cut short leaves the partition for its retry to find.
   */
  async deleteComments(postId: string, deletedAt: number, known: Comment[] = []) {
    await this.deleteCommentBatch(
      postId,
      deletedAt,
      known.map((c) => [c.id, c.createdAt]),
    );
    let pageState: string | undefined;
    do {
      const page = await this.client.page(
        `SELECT id, created_at FROM ${this.client.table(COMMENTS_BY_POST.name)} WHERE post_id = ?`,
        [postId],
        { ...READ, fetchSize: COMMENT_DELETE_BATCH, pageState },
      );
      await this.deleteCommentBatch(
        postId,
        deletedAt,
        page.rows.map((row) => [row.get('id') as string, row.get('created_at') as Date]),
      );
      pageState = page.pageState;
    } while (pageState);
    const partition = commentPartitionDelete(this.ks, postId, deletedAt);
    await this.client.execute(partition.query, partition.params, WRITE);
  }

  private async deleteCommentBatch(
    postId: string,
    deletedAt: number,
    comments: [id: string, createdAt: Date][],
  ): Promise<void> {
    // a comment stamped after the deletion (its writer's clock, or a request that raced it) is
    // removed at its own time: the deletion's timestamp alone would not cover it
    await mapConcurrent(comments, 16, async ([id, createdAt]) => {
      const at = Math.max(deletedAt, createdAt.getTime() * 1000);
      const statements = [commentByIdDelete(this.ks, id, at)];
      if (at > deletedAt) statements.push(commentRowDelete(this.ks, postId, createdAt, id, at));
      for (const s of statements) await this.client.execute(s.query, s.params, WRITE);
    });
  }
}
