import { Collection } from 'mongoose';
import { mapConcurrent } from '../../common/map-concurrent';
import { Comment, COMMENT_KIND, commentOutlives } from '../../kinds/comment.kind';
import { Deletion, RecordState, RecordWriter } from '../replica';
import {
  CommentDocument,
  duplicatesOf,
  fromCommentDocument,
  isDuplicateKey,
  TombstoneDocument,
  toCommentDocument,
} from './mongo-documents';
import { MongoKindMethods } from './mongo-kind-methods';
import { MongoPostRecords } from './mongo-post-records';

/**
 * Comments in MongoDB: the `comments` collection and the `comment_deletions` tombstones. A
 * comment is never changed; it goes with its post (the post's tombstone) or on its own (its own
 * tombstone), and every insert looks for both tombstones after writing.
 */
export class MongoCommentRecords implements MongoKindMethods<Comment> {
  readonly kind = COMMENT_KIND;

  constructor(private readonly posts: MongoPostRecords) {}

  private get comments(): Collection<CommentDocument> {
    return this.posts.comments;
  }

  get tombstones(): Collection<TombstoneDocument> {
    return this.posts.collection<TombstoneDocument>(COMMENT_KIND.deletions!.mongo);
  }

  /**
   * Inserts, then looks for the post's deletion and the comment's own: a deletion records its
   * tombstone before it removes the comment(s), so either that removal sees this comment or this
   * check sees the tombstone (and takes the comment out again). No lock needed on the hot path.
   * False when the comment is not kept (its post or the comment itself was deleted).
   */
  async add(comment: Comment): Promise<boolean> {
    try {
      await this.comments.insertOne(toCommentDocument(comment));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const [post, own] = await Promise.all([
      this.posts.tombstones.findOne({ _id: comment.postId }),
      this.tombstones.findOne({ _id: comment.id }),
    ]);
    if (!post && commentOutlives(comment, own ? Number(own.deleted_at) : undefined)) return true;
    await this.comments.deleteOne({ _id: comment.id });
    return false;
  }

  async apply(comment: Comment): Promise<void> {
    await this.add(comment);
  }

  /**
   * add for many comments (a backfill's page, a hint retry's batch): one batch insert, then one
   * look at the tombstones of their posts and one at their own, both after every insert as add's
   * are.
   */
  async applyMany(comments: readonly Comment[], concurrency: number): Promise<void> {
    if (comments.length === 0) return;
    await duplicatesOf(
      this.comments.insertMany(comments.map(toCommentDocument), { ordered: false }),
    );
    const [deletedPosts, deleted] = await Promise.all([
      this.posts.deletionsOf([...new Set(comments.map((c) => c.postId))]),
      this.deletionsOf(comments.map((c) => c.id)),
    ]);
    const gone = comments.filter(
      (comment) =>
        deletedPosts.has(comment.postId) || !commentOutlives(comment, deleted.get(comment.id)),
    );
    await mapConcurrent(gone, concurrency, (comment) =>
      this.comments.deleteOne({ _id: comment.id }),
    );
  }

  writer(): RecordWriter<Comment> {
    return (comments, concurrency) => this.applyMany(comments, concurrency);
  }

  /**
   * A request's deletion of the comment as the caller read it: false when it is gone already
   * (deleted, alone or with its post). Of two racing deletions, exactly one removes the document
   * and answers true.
   */
  async delete(comment: Comment, deletedAt: number): Promise<boolean> {
    if (!(await this.comments.findOne({ _id: comment.id }, { projection: { _id: 1 } }))) {
      return false;
    }
    await this.recordDeletion(comment.id, deletedAt);
    const { deletedCount } = await this.comments.deleteOne({ _id: comment.id });
    return deletedCount > 0;
  }

  /**
   * Records the deletion first (an insert racing it checks after writing), then removes the
   * comment unless it was written after `deletedAt` (it never is: commentDeleteVersion).
   */
  async applyDelete(id: string, deletedAt: number): Promise<void> {
    await this.recordDeletion(id, deletedAt);
    const stored = await this.comments.findOne({ _id: id });
    if (stored && !commentOutlives(fromCommentDocument(stored), deletedAt)) {
      await this.comments.deleteOne({ _id: id });
    }
  }

  async applyDeletes(deletions: readonly Deletion[], concurrency: number): Promise<void> {
    await mapConcurrent(deletions, concurrency, ({ id, deletedAt }) =>
      this.applyDelete(id, deletedAt),
    );
  }

  /**
   * Writes the comment as given, replacing whatever is stored under its id; or removes it (and
   * records its deletion when the primary recorded one).
   */
  async repair(id: string, state: RecordState<Comment>): Promise<void> {
    if (state.kind === 'deleted') return this.applyDelete(id, state.deletedAt);
    if (state.kind === 'absent') {
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

  /**
   * Two copies of one deletion racing may both try to insert the tombstone: the loser updates
   * the winner's. (Without a lock FerretDB may keep either of two different times: both come
   * after the comment's only write, so either keeps every copy of it out.)
   */
  private async recordDeletion(id: string, deletedAt: number): Promise<void> {
    const upsert = () =>
      this.tombstones.updateOne({ _id: id }, { $max: { deleted_at: deletedAt } }, { upsert: true });
    try {
      await upsert();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await upsert();
    }
  }

  /** The recorded deletions among many comments, one query. */
  private async deletionsOf(ids: string[]): Promise<Map<string, number>> {
    const tombstones = await this.tombstones.find({ _id: { $in: ids } }).toArray();
    return new Map(tombstones.map((t) => [t._id, Number(t.deleted_at)]));
  }
}
