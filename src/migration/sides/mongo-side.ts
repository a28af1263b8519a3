import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Collection, Connection } from 'mongoose';
import { Comment, Post } from '../../store/post';
import { StoreTotals } from '../../store/post-store';
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
  ScanPage,
  SeenEntry,
  VerifySink,
} from './migration-side';

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
