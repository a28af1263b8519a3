import { Injectable, Logger } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Collection, Connection } from 'mongoose';
import { Comment, Post } from '../../store/post';
import { KnownVersions, StoreTotals } from '../../store/post-store';
import {
  CommentDocument,
  fromCommentDocument,
  fromPostDocument,
  PostDocument,
  TombstoneDocument,
} from '../../store/mongo/mongo-documents';
import { MongoPostStore } from '../../store/mongo/mongo-post-store';
import { titleKey } from '../../store/title-key';
import {
  commentHash,
  derivedFieldsHash,
  expectedDerivedHash,
  postHash,
} from '../verify/record-hash';
import {
  Channel,
  Deletion,
  MigrationSide,
  PostState,
  PostWriter,
  ScanPage,
  SeenEntry,
  VerifySink,
} from './migration-side';

/** Up to this many posts, a backfill into MongoDB reads their versions once (see postWriter). */
export const KNOWN_VERSIONS_MAX = 1_000_000;

/** Everything after `after` in _id order (undefined: everything). */
const afterId = (after?: string) => (after === undefined ? {} : { _id: { $gt: after } });

/** Streams a cursor in pages; positions are _ids (the scan order). */
async function* pages<D extends { _id: string }, T>(
  cursor: AsyncIterable<D>,
  pageSize: number,
  map: (doc: D) => T,
): AsyncIterable<ScanPage<T>> {
  let items: T[] = [];
  let last = '';
  for await (const doc of cursor) {
    items.push(map(doc));
    last = doc._id;
    if (items.length >= pageSize) {
      yield { items, position: last };
      items = [];
    }
  }
  if (items.length > 0) yield { items, position: last };
}

/**
 * MongoDB (or FerretDB) as the migration sees it. Scans read each collection once in _id order
 * (one cursor, fetched in batches), so a resumed scan is one query from the checkpoint on.
 */
@Injectable()
export class MongoSide extends MigrationSide {
  readonly name = 'mongo' as const;
  private readonly logger = new Logger(MongoSide.name);

  constructor(
    @InjectConnection() private readonly connection: Connection,
    readonly store: MongoPostStore,
  ) {
    super();
  }

  private get posts(): Collection<PostDocument> {
    return this.connection.collection<PostDocument>('posts');
  }
  private get comments(): Collection<CommentDocument> {
    return this.connection.collection<CommentDocument>('comments');
  }

  scanPosts(after: string | undefined, pageSize: number): AsyncIterable<ScanPage<Post>> {
    const cursor = this.posts.find(afterId(after)).sort({ _id: 1 }).batchSize(pageSize);
    return pages(cursor, pageSize, fromPostDocument);
  }

  scanComments(after: string | undefined, pageSize: number): AsyncIterable<ScanPage<Comment>> {
    const cursor = this.comments.find(afterId(after)).sort({ _id: 1 }).batchSize(pageSize);
    return pages(cursor, pageSize, fromCommentDocument);
  }

  scanDeletions(after: string | undefined, pageSize: number): AsyncIterable<ScanPage<Deletion>> {
    const cursor = this.connection
      .collection<TombstoneDocument>('deleted_posts')
      .find(afterId(after))
      .sort({ _id: 1 })
      .batchSize(pageSize);
    return pages(cursor, pageSize, (doc) => ({ id: doc._id, deletedAt: Number(doc.deleted_at) }));
  }

  async estimate(): Promise<StoreTotals> {
    const [posts, comments] = await Promise.all([
      this.posts.estimatedDocumentCount(),
      this.comments.estimatedDocumentCount(),
    ]);
    return { posts, comments };
  }

  /**
   * Reads the version of every post MongoDB holds once, before the first page (one scan of the
   * collection, not one per page), so that pages need not look their posts up: FerretDB
   * answers each lookup with a scan of the collection, which made a backfill into a restored
   * MongoDB quadratic. Beyond KNOWN_VERSIONS_MAX posts (about 80 MiB of versions) pages look
   * their posts up themselves; a MongoDB that big is one whose _id index serves lookups.
   */
  override postWriter(): PostWriter {
    let known: Promise<KnownVersions | undefined> | undefined;
    return async (posts, concurrency) => {
      // a failed read is not kept: the retried page reads again
      known ??= this.knownVersions().catch((error: unknown) => {
        known = undefined;
        throw error;
      });
      await this.store.applyPosts(posts, concurrency, await known);
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

  async countAfter(postsAfter?: string, commentsAfter?: string): Promise<StoreTotals> {
    const [posts, comments] = await Promise.all([
      this.posts.countDocuments(afterId(postsAfter)),
      this.comments.countDocuments(afterId(commentsAfter)),
    ]);
    return { posts, comments };
  }

  async verifyScan(sink: VerifySink, channels: ReadonlySet<Channel>): Promise<void> {
    const scans: Promise<void>[] = [];
    if (channels.has('post') || channels.has('mongo.posts')) {
      scans.push(
        (async () => {
          for await (const doc of this.posts.find({}).batchSize(1000)) {
            const post = fromPostDocument(doc);
            const seen = { table: 'posts', key: [doc._id], writetime: null };
            sink.add('post', 'mongo', doc._id, postHash(post), seen);
            // the stored sort key and excerpt must be what the title and content give
            sink.add('mongo.posts', 'expected', doc._id, expectedDerivedHash(post, titleKey));
            sink.add(
              'mongo.posts',
              'actual',
              doc._id,
              derivedFieldsHash(doc.title_key, doc.excerpt),
              seen,
            );
          }
        })(),
      );
    }
    if (channels.has('comment')) {
      scans.push(
        (async () => {
          for await (const doc of this.comments.find({}).batchSize(1000)) {
            sink.add('comment', 'mongo', doc._id, commentHash(fromCommentDocument(doc)), {
              table: 'comments',
              key: [doc._id],
              writetime: null,
            });
          }
        })(),
      );
    }
    await Promise.all(scans);
  }

  async repairPost(id: string, state: PostState): Promise<void> {
    if (state.kind === 'live') {
      await this.store.repairPost(state.post);
      return;
    }
    // removed at a time no lower than what is stored, so the deletion takes; a version written
    // after that (a newer write) would still outlive it
    const stored = await this.store.versionOf(id);
    const at = Math.max(state.kind === 'deleted' ? state.deletedAt : 0, stored ?? 0);
    if (at > 0) await this.store.applyDelete(id, at);
  }

  async repairComment(id: string, comment: Comment | null, _seen: SeenEntry[]): Promise<void> {
    if (comment) await this.store.repairComment(comment);
    else await this.store.removeComment(id);
  }
}
