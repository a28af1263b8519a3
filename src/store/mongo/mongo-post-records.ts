import { Logger } from '@nestjs/common';
import { Collection, Connection } from 'mongoose';
import { mapConcurrent } from '../../common/map-concurrent';
import { COMMENT_KIND } from '../../kinds/comment.kind';
import { Post, POST_KIND } from '../../kinds/post.kind';
import { Deletion, RecordState, RecordWriter } from '../replica';
import {
  CommentDocument,
  duplicatesOf,
  isDuplicateKey,
  PostDocument,
  TombstoneDocument,
  toPostDocument,
} from './mongo-documents';
import { MongoKindMethods } from './mongo-kind-methods';
import {
  LISTING_PARTITIONS_COLLECTION,
  ListingPartitionDocument,
  MongoListingPartitions,
} from './mongo-listing-partitions';
import { MongoPostLock } from './mongo-post-lock';

/**
 * The versions a store held of its posts when someone looked (post id → version), at the start of
 * a backfill say. A post's stored version only grows, or the post is deleted by a tombstone at
 * least as new, so a post whose known version is at least its own needs no write even if the
 * store moved on since (unless its collections were dropped or restored meanwhile); a post missing
 * from it may be new or may have arrived since.
 */
export type KnownVersions = ReadonlyMap<string, number>;

/** Up to this many posts, a backfill into MongoDB reads their versions once (see writer). */
export const KNOWN_VERSIONS_MAX = 1_000_000;

/** The per-post lock documents (see MongoPostLock): bookkeeping, not blog data. */
export const POST_LOCKS_COLLECTION = 'post_locks';

/**
 * Posts in MongoDB (and FerretDB): the `posts` collection and the `deleted_posts` tombstones, and
 * every check-then-write on one post under that post's lock (MongoPostLock), because FerretDB
 * does not make a filtered update atomic. Shared by the request store and the replica.
 *
 * Under the post's lock every check reads by _id and every write names only the _id: the lock
 * makes check-then-write safe, and a filter that is exactly {_id: <string>} is the only one
 * FerretDB 1.24 (SQLite) hands to SQLite. SQLite still reads the whole table for it (the _id
 * index is on another expression), but any other filter makes FerretDB decode every document
 * itself, about 30 times slower.
 */
export class MongoPostRecords implements MongoKindMethods<Post> {
  readonly kind = POST_KIND;
  readonly lock: MongoPostLock;
  /** noted before every post document is written (see MongoListingPartitions) */
  readonly partitions: MongoListingPartitions;
  private readonly logger = new Logger(MongoPostRecords.name);

  constructor(private readonly connection: Connection) {
    this.lock = new MongoPostLock(() => this.connection.collection(POST_LOCKS_COLLECTION));
    this.partitions = new MongoListingPartitions(() =>
      this.connection.collection<ListingPartitionDocument>(LISTING_PARTITIONS_COLLECTION),
    );
  }

  /** A collection of the blog's database (the other kinds' records share the connection). */
  collection<D extends { _id: string }>(name: string): Collection<D> {
    return this.connection.collection<D>(name);
  }

  get posts(): Collection<PostDocument> {
    return this.connection.collection<PostDocument>(POST_KIND.mongo.collection);
  }
  get comments(): Collection<CommentDocument> {
    return this.connection.collection<CommentDocument>(COMMENT_KIND.mongo.collection);
  }
  get tombstones(): Collection<TombstoneDocument> {
    return this.connection.collection<TombstoneDocument>(POST_KIND.deletions!.mongo);
  }

  // one document per post: the version check under the lock is all the ordering it needs, so
  // the predecessor / last-version hints are not used
  async apply(post: Post): Promise<void> {
    await this.lock.withLock(post.id, async () => {
      if (await this.deletedSince(post.id, post.version)) return;
      // a post this store has never seen is an insert, the one write FerretDB does without
      // scanning the collection (its _id index serves uniqueness, not lookups)
      if (await this.inserted(post)) return;
      const stored = await this.storedVersion(post.id);
      if (stored !== undefined && stored >= post.version) return;
      await this.partitions.note([post]);
      await this.posts.replaceOne({ _id: post.id }, toPostDocument(post), { upsert: true });
    });
  }

  /**
   * Reads the version of every post MongoDB holds once, before the first page (one scan of the
   * collection, not one per page), so that pages need not look their posts up: FerretDB
   * answers each lookup with a scan of the collection, which made a backfill into a restored
   * MongoDB quadratic. Beyond KNOWN_VERSIONS_MAX posts (about 80 MiB of versions) pages look
   * their posts up themselves; a MongoDB that big is one whose _id index serves lookups.
   */
  writer(): RecordWriter<Post> {
    let known: Promise<KnownVersions | undefined> | undefined;
    return async (posts, concurrency) => {
      // a failed read is not kept: the retried page reads again
      known ??= this.knownVersions().catch((error: unknown) => {
        known = undefined;
        throw error;
      });
      await this.applyMany(posts, concurrency, await known);
    };
  }

  private async knownVersions(): Promise<KnownVersions | undefined> {
    const started = Date.now();
    const count = await this.posts.estimatedDocumentCount();
    if (count > KNOWN_VERSIONS_MAX) {
      this.logger.log(`MongoDB holds about ${count} posts: each page looks its posts' versions up`);
      return undefined;
    }
    const versions = new Map<string, number>();
    const cursor = this.posts.find({}, { projection: { version: 1 } }).batchSize(10_000);
    for await (const doc of cursor) versions.set(doc._id, Number(doc.version));
    this.logger.log(
      `read the versions of the ${versions.size} posts MongoDB holds in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return versions;
  }

  /**
   * apply for a page of posts (a backfill into MongoDB) in a few queries plus one per post that
   * needs more: FerretDB answers every lookup by _id with a scan of the collection, so apply one
   * by one makes a backfill into a restored MongoDB quadratic. Same outcome as apply: tombstones
   * first; new posts inserted in one batch (then checked against deletions that raced the
   * insert, like a comment); posts already stored at an older version go through apply. With
   * `known` (the versions read once for the whole backfill) the posts already current are
   * skipped and nothing else is looked up: FerretDB answers even one `_id $in` per page with a
   * scan.
   */
  async applyMany(
    posts: readonly Post[],
    concurrency: number,
    known?: KnownVersions,
  ): Promise<void> {
    if (posts.length === 0) return;
    const deletedBefore = await this.deletionsOf(posts.map((post) => post.id));
    const live = posts.filter((post) => !((deletedBefore.get(post.id) ?? -1) >= post.version));
    const { inserted, existing } = await this.insertNew(
      known ? live.filter((post) => !known.has(post.id)) : live,
    );
    const deletedNow = await this.deletionsOf(inserted.map((post) => post.id));
    const stored = known ?? (await this.versionsOf(existing.map((post) => post.id)));
    const olderThere = (post: Post) => (stored.get(post.id) ?? -1) < post.version;
    const older = known
      ? // stored at an older version when the backfill looked, or stored since (a live write
        // racing the backfill: apply checks)
        [...live.filter((post) => known.has(post.id) && olderThere(post)), ...existing]
      : existing.filter(olderThere);
    const followUps = [
      // a deletion recorded while the batch went in: it may have missed the new document
      ...inserted
        .filter((post) => (deletedNow.get(post.id) ?? -1) >= post.version)
        .map((post) => () => this.applyDelete(post.id, deletedNow.get(post.id)!)),
      ...older.map((post) => () => this.apply(post)),
    ];
    await mapConcurrent(followUps, concurrency, (followUp) => followUp());
  }

  async applyDelete(id: string, deletedAt: number): Promise<void> {
    await this.lock.withLock(id, async () => {
      await this.recordDeletion(id, deletedAt);
      const stored = await this.storedVersion(id);
      // a version written after the deletion outlives it, with its comments
      if (stored !== undefined && stored > deletedAt) return;
      if (stored !== undefined) await this.posts.deleteOne({ _id: id });
      await this.comments.deleteMany({ post_id: id });
    });
  }

  async applyDeletes(deletions: readonly Deletion[], concurrency: number): Promise<void> {
    await mapConcurrent(deletions, concurrency, ({ id, deletedAt }) =>
      this.applyDelete(id, deletedAt),
    );
  }

  /**
   * A live post is written exactly as given unless a newer version has arrived meanwhile; one
   * that must not exist is deleted at a time no lower than what is stored, so the deletion takes
   * (a version written after that, a newer write, still outlives it).
   */
  async repair(id: string, state: RecordState<Post>): Promise<void> {
    if (state.kind === 'live') {
      const post = state.record;
      await this.lock.withLock(post.id, async () => {
        const stored = await this.storedVersion(post.id);
        if (stored !== undefined && stored > post.version) return;
        await this.partitions.note([post]);
        await this.posts.replaceOne({ _id: post.id }, toPostDocument(post), { upsert: true });
      });
      return;
    }
    const stored = await this.storedVersion(id);
    const at = Math.max(state.kind === 'deleted' ? state.deletedAt : 0, stored ?? 0);
    if (at > 0) await this.applyDelete(id, at);
  }

  async recordDeletion(id: string, deletedAt: number): Promise<void> {
    await this.tombstones.updateOne(
      { _id: id },
      { $max: { deleted_at: deletedAt } },
      { upsert: true },
    );
  }

  async storedVersion(id: string): Promise<number | undefined> {
    const doc = await this.posts.findOne({ _id: id }, { projection: { version: 1 } });
    return doc ? Number(doc.version) : undefined;
  }

  /** The recorded deletions among many posts, one query. */
  async deletionsOf(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const tombstones = await this.tombstones.find({ _id: { $in: ids } }).toArray();
    return new Map(tombstones.map((t) => [t._id, Number(t.deleted_at)]));
  }

  private async deletedSince(id: string, version: number): Promise<boolean> {
    const tombstone = await this.tombstones.findOne({ _id: id });
    return !!tombstone && tombstone.deleted_at >= version;
  }

  /** Inserts the post; false when the store already has it (at some version). */
  private async inserted(post: Post): Promise<boolean> {
    await this.partitions.note([post]);
    try {
      await this.posts.insertOne(toPostDocument(post));
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return false;
    }
  }

  /** Inserts the posts this store does not have, in one batch; the others are `existing`. */
  private async insertNew(posts: Post[]): Promise<{ inserted: Post[]; existing: Post[] }> {
    if (posts.length === 0) return { inserted: [], existing: [] };
    await this.partitions.note(posts);
    const duplicates = await duplicatesOf(
      this.posts.insertMany(posts.map(toPostDocument), { ordered: false }),
    );
    return {
      inserted: posts.filter((_, index) => !duplicates.has(index)),
      existing: posts.filter((_, index) => duplicates.has(index)),
    };
  }

  private async versionsOf(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const docs = await this.posts
      .find({ _id: { $in: ids } }, { projection: { version: 1 } })
      .toArray();
    return new Map(docs.map((doc) => [doc._id, Number(doc.version)]));
  }
}
