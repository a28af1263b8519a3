import { Collection } from 'mongoose';
import { mapConcurrent } from '../../common/map-concurrent';
import { Comment, COMMENT_KIND } from '../../kinds/comment.kind';
import { RecordState, RecordWriter } from '../replica';
import {
  CommentDocument,
  duplicatesOf,
  isDuplicateKey,
  toCommentDocument,
} from './mongo-documents';
import { MongoKindMethods } from './mongo-kind-methods';
import { MongoPostRecords } from './mongo-post-records';

/**
 * Comments in MongoDB: the `comments` collection. A comment is never changed; it goes with its
 * post, whose deletion (a tombstone) it checks after every insert.
 */
export class MongoCommentRecords implements MongoKindMethods<Comment> {
  readonly kind = COMMENT_KIND;

  constructor(private readonly posts: MongoPostRecords) {}

  private get comments(): Collection<CommentDocument> {
    return this.posts.comments;
  }

  /**
   * Inserts, then looks for the post's deletion: a deletion records its tombstone before it
   * removes the post's comments, so either that removal sees this comment or this check sees the
   * tombstone (and takes the comment out again). No lock needed on the hot path. False when the
   * post was deleted (nothing is kept).
   */
  async add(comment: Comment): Promise<boolean> {
    try {
      await this.comments.insertOne(toCommentDocument(comment));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    if (!(await this.posts.tombstones.findOne({ _id: comment.postId }))) return true;
    await this.comments.deleteOne({ _id: comment.id });
    return false;
  }

  async apply(comment: Comment): Promise<void> {
    await this.add(comment);
  }

  /**
   * add for a page of comments (a backfill into MongoDB): one batch insert, then one look at the
   * tombstones of their posts, which comes after every insert as add's does.
   */
  writer(): RecordWriter<Comment> {
    return async (comments, concurrency) => {
      if (comments.length === 0) return;
      await duplicatesOf(
        this.comments.insertMany(comments.map(toCommentDocument), { ordered: false }),
      );
      const deleted = await this.posts.deletionsOf([...new Set(comments.map((c) => c.postId))]);
      const orphans = comments.filter((comment) => deleted.has(comment.postId));
      await mapConcurrent(orphans, concurrency, (comment) =>
        this.comments.deleteOne({ _id: comment.id }),
      );
    };
  }

  /** Writes the comment as given, replacing whatever is stored under its id; or removes it. */
  async repair(id: string, state: RecordState<Comment>): Promise<void> {
    if (state.kind !== 'live') {
      await this.comments.deleteOne({ _id: id });
      return;
    }
    const comment = state.record;
    await this.posts.lock.withLock(comment.postId, async () => {
      await this.comments.replaceOne({ _id: comment.id }, toCommentDocument(comment), {
        upsert: true,
      });
    });
  }
}
