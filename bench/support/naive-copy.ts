import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { AppConfig } from '../../src/config/app-config';
import { COMMENT_KIND } from '../../src/kinds/comment.kind';
import { POST_KIND } from '../../src/kinds/post.kind';
import {
  CommentDocument,
  fromCommentDocument,
  fromPostDocument,
  PostDocument,
} from '../../src/store/mongo/mongo-documents';
import { Replicas } from '../../src/store/replicas';
import { storeContext } from './seed-module';

/** One kind of record copied naively: how many, and the time spent reading and writing them. */
export interface NaiveStage {
  records: number;
  readSeconds: number;
  writeSeconds: number;
}

export interface NaiveResult {
  posts: NaiveStage;
  comments: NaiveStage;
  /** records/s of a naive copy of data with `commentsPerPost` comments a post */
  rate: number;
}

const perRecord = (s: NaiveStage) => (s.readSeconds + s.writeSeconds) / s.records;

/** Reads each id with `read`, writes it with `write`, one at a time, until done or `budgetMs`. */
async function copyOneByOne<D>(
  ids: string[],
  budgetMs: number,
  read: (id: string) => Promise<D | null>,
  write: (doc: D) => Promise<void>,
): Promise<NaiveStage> {
  const stage: NaiveStage = { records: 0, readSeconds: 0, writeSeconds: 0 };
  const deadline = Date.now() + budgetMs;
  for (const id of ids) {
    if (Date.now() > deadline) break;
    const t0 = performance.now();
    const doc = await read(id);
    if (!doc) throw new Error(`${id} is not in MongoDB`);
    const t1 = performance.now();
    await write(doc);
    stage.readSeconds += (t1 - t0) / 1000;
    stage.writeSeconds += (performance.now() - t1) / 1000;
    stage.records++;
  }
  return stage;
}

/**
 * The copy a first attempt would write: one record at a time, read from MongoDB with findOne by
 * _id (in _id order) and written with Cassandra's replica writes (Replica.apply), each awaited
 * before the next. Posts first, then comments, each for at most `budgetMs` (on FerretDB a
 * findOne by a string _id scans the whole collection, so a fixed sample would take hours at
 * 100 000 posts); the rate is that of the data's mix: (1 + commentsPerPost) records per
 * (time per post + commentsPerPost × time per comment). `config` names the MongoDB database to
 * read and the keyspace to write (one of its own, so the real backfill's target is untouched).
 */
export async function naiveCopy(
  config: AppConfig,
  postIds: string[],
  commentIds: string[],
  commentsPerPost: number,
  budgetMs: number,
): Promise<NaiveResult> {
  const context = await storeContext(config);
  try {
    const connection = context.get<Connection>(getConnectionToken());
    const posts = connection.collection<PostDocument>('posts');
    const comments = connection.collection<CommentDocument>('comments');
    const cassandra = context.get(Replicas).get('cassandra');
    const postStage = await copyOneByOne(
      postIds,
      budgetMs,
      (id) => posts.findOne({ _id: id }),
      (doc) => cassandra.apply(POST_KIND, fromPostDocument(doc)),
    );
    const commentStage = await copyOneByOne(
      commentIds,
      budgetMs,
      (id) => comments.findOne({ _id: id }),
      (doc) => cassandra.apply(COMMENT_KIND, fromCommentDocument(doc)),
    );
    const rate =
      (1 + commentsPerPost) / (perRecord(postStage) + commentsPerPost * perRecord(commentStage));
    return { posts: postStage, comments: commentStage, rate };
  } finally {
    await context.close();
  }
}
