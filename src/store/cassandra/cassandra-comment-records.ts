import { mapConcurrent } from '../../common/map-concurrent';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { Comment, COMMENT_KIND } from '../../kinds/comment.kind';
import { RecordWriter } from '../replica';
import { CassandraKindMethods } from './cassandra-kind-methods';
import { CassandraPostRecords, WRITE } from './cassandra-post-records';
import { commentWrites } from './cassandra-post-rows';

/** Comments in Cassandra: comments_by_post and comments_by_id, written at the comment's creation. */
export class CassandraCommentRecords implements CassandraKindMethods<Comment> {
  readonly kind = COMMENT_KIND;

  constructor(
    private readonly client: CassandraClient,
    private readonly posts: CassandraPostRecords,
  ) {}

  /**
   * Writes the comment, then checks once whether its post was deleted (before this copy or
   * racing with it) and if so removes it again, at a timestamp that covers both the deletion and
   * the comment (a comment written after the deletion's timestamp would otherwise outlive it).
   * False when the post was deleted.
   */
  async add(comment: Comment): Promise<boolean> {
    await this.write(comment);
    const deletedAt = await this.posts.deletedAt(comment.postId);
    await this.unlessDeleted(comment, deletedAt);
    return deletedAt === undefined;
  }

  async apply(comment: Comment): Promise<void> {
    await this.add(comment);
  }

  /** add for a page: the deletions of their posts read with one query per 100 posts. */
  writer(): RecordWriter<Comment> {
    return async (comments, concurrency) => {
      await mapConcurrent(comments, concurrency, (comment) => this.write(comment));
      const deletions = await this.posts.deletions([...new Set(comments.map((c) => c.postId))]);
      if (deletions.size === 0) return;
      await mapConcurrent(comments, concurrency, (comment) =>
        this.unlessDeleted(comment, deletions.get(comment.postId)),
      );
    };
  }

  private async write(comment: Comment): Promise<void> {
    await this.client.batch(commentWrites(this.client.keyspace, comment), WRITE);
  }

  /**
   * A comment just written to a post deleted before it or racing with it is removed again
   * (deleteComments removes one stamped after the deletion at its own time).
   */
  private async unlessDeleted(comment: Comment, deletedAt: number | undefined): Promise<void> {
    if (deletedAt === undefined) return;
    await this.posts.deleteComments(comment.postId, deletedAt, [comment]);
  }
}
