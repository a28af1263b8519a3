import { mapConcurrent } from '../../common/map-concurrent';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { Comment, COMMENT_KIND, COMMENTS_BY_ID, commentOutlives } from '../../kinds/comment.kind';
import { Deletion, RecordWriter } from '../replica';
import { commentByIdDelete, commentRowDelete } from './cassandra-post-cleanup';
import { CassandraKindMethods } from './cassandra-kind-methods';
import { CassandraPostRecords, READ, WRITE } from './cassandra-post-records';
import { commentFromRow, commentWrites } from './cassandra-post-rows';
import { CassandraTombstones } from './cassandra-tombstones';
import { selectColumns } from './cql';

/**
 * Comments in Cassandra: comments_by_post and comments_by_id, written at the comment's creation;
 * `deleted_comments` records the comments deleted on their own (moderation).
 */
export class CassandraCommentRecords implements CassandraKindMethods<Comment> {
  readonly kind = COMMENT_KIND;
  private readonly tombstones: CassandraTombstones;

  constructor(
    private readonly client: CassandraClient,
    private readonly posts: CassandraPostRecords,
  ) {
    this.tombstones = new CassandraTombstones(client, COMMENT_KIND.deletions!.cassandra);
  }

  /**
   * Writes the comment, then checks once whether its post or the comment itself was deleted
   * (before this copy or racing with it) and if so removes it again: a deletion records its
   * tombstone before it reads what to remove, so either it finds this comment or this check finds
   * the tombstone. False when the comment is not kept.
   */
  async add(comment: Comment): Promise<boolean> {
    await this.write(comment);
    const [postDeletedAt, deletedAt] = await Promise.all([
      this.posts.deletedAt(comment.postId),
      this.tombstones.deletedAt(comment.id),
    ]);
    await this.unlessDeleted(comment, postDeletedAt, deletedAt);
    return postDeletedAt === undefined && commentOutlives(comment, deletedAt);
  }

  async apply(comment: Comment): Promise<void> {
    await this.add(comment);
  }

  /**
   * add for many (a backfill's page, a hint retry's batch): the deletions of their posts and
   * their own read with one query per 100.
   */
  async applyMany(comments: readonly Comment[], concurrency: number): Promise<void> {
    await mapConcurrent(comments, concurrency, (comment) => this.write(comment));
    const [postDeletions, deletions] = await Promise.all([
      this.posts.deletions([...new Set(comments.map((c) => c.postId))]),
      this.tombstones.among(comments.map((c) => c.id)),
    ]);
    if (postDeletions.size === 0 && deletions.size === 0) return;
    await mapConcurrent(comments, concurrency, (comment) =>
      this.unlessDeleted(comment, postDeletions.get(comment.postId), deletions.get(comment.id)),
    );
  }

  writer(): RecordWriter<Comment> {
    return (comments, concurrency) => this.applyMany(comments, concurrency);
  }

  /**
   * A request's deletion of the comment as the caller read it: false when it is gone already.
   * Cassandra decides without a compare-and-set here (the deletion is idempotent), so two
   * deletions racing each other may both answer true.
   */
  async delete(comment: Comment, deletedAt: number): Promise<boolean> {
    const result = await this.client.execute(
      `SELECT ${selectColumns(COMMENTS_BY_ID)} FROM ${this.client.table(COMMENTS_BY_ID.name)} WHERE id = ?`,
      [comment.id],
      READ,
    );
    const row = result.first();
    if (!row || !commentFromRow(row)) return false;
    await this.applyDelete(comment.id, deletedAt, comment);
    return true;
  }

  /**
   * Records the deletion first (a copy racing it checks after writing), then removes the
   * comment's rows at `deletedAt`: where comments_by_id says it is, and where `last` (the comment
   * as deleted, when known) is, in case its copy has not arrived yet (these tombstones shadow it).
   */
  async applyDelete(id: string, deletedAt: number, last?: Comment): Promise<void> {
    await this.tombstones.record(id, deletedAt);
    const result = await this.client.execute(
      `SELECT post_id, created_at FROM ${this.client.table(COMMENTS_BY_ID.name)} WHERE id = ?`,
      [id],
      READ,
    );
    const row = result.first();
    const places = new Map<string, { postId: string; createdAt: Date }>();
    if (last) places.set(placeKey(last.postId, last.createdAt), last);
    const postId = row?.get('post_id') as string | null | undefined;
    const createdAt = row?.get('created_at') as Date | null | undefined;
    if (postId && createdAt) places.set(placeKey(postId, createdAt), { postId, createdAt });
    await this.removeRows(id, deletedAt, [...places.values()]);
  }

  async applyDeletes(deletions: readonly Deletion[], concurrency: number): Promise<void> {
    await mapConcurrent(deletions, concurrency, ({ id, deletedAt }) =>
      this.applyDelete(id, deletedAt),
    );
  }

  private async write(comment: Comment): Promise<void> {
    await this.client.batch(commentWrites(this.client.keyspace, comment), WRITE);
  }

  /**
   * A comment just written to a post deleted before it or racing with it is removed again
   * (deleteComments removes one stamped after the deletion at its own time); one deleted on its
   * own is removed at its deletion's timestamp.
   */
  private async unlessDeleted(
    comment: Comment,
    postDeletedAt: number | undefined,
    deletedAt: number | undefined,
  ): Promise<void> {
    if (postDeletedAt !== undefined) {
      await this.posts.deleteComments(comment.postId, postDeletedAt, [comment]);
    }
    if (deletedAt !== undefined) await this.removeRows(comment.id, deletedAt, [comment]);
  }

  /** The comment's rows in comments_by_id and in each of its post partitions named, at `at`. */
  private async removeRows(
    id: string,
    at: number,
    places: { postId: string; createdAt: Date }[],
  ): Promise<void> {
    const ks = this.client.keyspace;
    await this.client.batch(
      [
        commentByIdDelete(ks, id, at),
        ...places.map(({ postId, createdAt }) => commentRowDelete(ks, postId, createdAt, id, at)),
      ],
      WRITE,
    );
  }
}

const placeKey = (postId: string, createdAt: Date) => `${postId}|${createdAt.getTime()}`;
