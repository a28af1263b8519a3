import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import mongoose from 'mongoose';
import { Account, ACCOUNT_KIND } from '../../../src/kinds/account.kind';
import { Credential, CREDENTIAL_KIND } from '../../../src/kinds/credential.kind';
import { toDocument } from '../../../src/kinds/record-kind';
import { writeBackupFile } from '../../../src/mongo-backup/backup-writer';
import { toCommentDocument } from '../../../src/store/mongo/mongo-documents';
import { newId, nowMicros } from '../../../src/store/versions';
import { insertDataset, makeDataset } from './migration';

const { EJSON } = mongoose.mongo.BSON;

/** The collections a MongoDB backup holds. */
export const BACKUP_COLLECTIONS = [
  'posts',
  'comments',
  'accounts',
  'credentials',
  'hints',
  'deleted_posts',
  'comment_deletions',
  'credential_deletions',
] as const;

/**
 * Blog data as the app leaves it in MongoDB: posts and comments (accents, emoji, CJK, RTL, line
 * breaks, one large post), accounts and a session, hints and tombstones of deleted posts, of a
 * comment deleted on its own and of a deleted session. Returns the counts.
 */
export async function seedBackupData(
  db: mongoose.mongo.Db,
  posts = 40,
  comments = 120,
): Promise<Record<(typeof BACKUP_COLLECTIONS)[number], number>> {
  const data = makeDataset(posts, comments, 'backup');
  data.posts[0].content = `Large post ✓\n${'Lorem ipsum dolor sit amet. '.repeat(8000)}`;
  const texts = [
    'Grüße aus Köln 🎉',
    '日本語のコメント',
    'مرحبا بالعالم',
    'two\nlines\ttab',
    '"quoted" \\ back',
  ];
  data.comments.push(
    ...texts.map((comment, i) => ({
      id: newId(),
      postId: data.posts[i].id,
      commenter: `Zoë ${i} 👩‍💻`,
      comment,
      createdAt: new Date(),
    })),
  );
  await insertDataset(db, data);
  const hinted = data.posts.slice(0, 3);
  await db.collection<{ _id: string }>('hints').insertMany(
    hinted.map((post) => ({
      _id: `post:${post.id}`,
      entity: 'post',
      id: post.id,
      post_id: post.id,
      op: 'upsert',
      at: nowMicros(),
      error: 'Cassandra timed out',
    })),
  );
  const tombstones = [newId(), newId()];
  await db.collection<{ _id: string }>('deleted_posts').insertMany(
    tombstones.map((id) => ({
      _id: id,
      deleted_at: nowMicros(),
    })),
  );
  // a comment deleted by moderation: gone from comments, its tombstone kept
  const [deletedComment] = data.comments.splice(7, 1);
  await db.collection<{ _id: string }>('comments').deleteOne({ _id: deletedComment.id });
  await db
    .collection<{ _id: string; deleted_at: number }>('comment_deletions')
    .insertOne({ _id: deletedComment.id, deleted_at: nowMicros() });
  const now = new Date();
  const accounts: Account[] = ['ada', 'zoe'].map((username, i) => ({
    id: newId(),
    username,
    name: i ? 'Zoë 👩‍💻' : 'Ada',
    role: i ? 'author' : 'admin',
    passwordHash: `scrypt$32768$8$1$salt${i}$hash${i}`,
    disabled: i === 1,
    createdAt: now,
    updatedAt: now,
    version: nowMicros(),
  }));
  await db
    .collection<{ _id: string }>('accounts')
    .insertMany(accounts.map((a) => toDocument(ACCOUNT_KIND, a) as { _id: string }));
  const session: Credential = {
    id: newId(),
    accountId: accounts[0].id,
    type: 'session',
    secretHash: 'f'.repeat(64),
    label: '',
    createdAt: now,
    usedAt: now,
    version: nowMicros(),
  };
  await db
    .collection<{ _id: string }>('credentials')
    .insertOne(toDocument(CREDENTIAL_KIND, session) as { _id: string });
  await db
    .collection<{ _id: string; deleted_at: number }>('credential_deletions')
    .insertOne({ _id: newId(), deleted_at: nowMicros() });
  return {
    posts: data.posts.length,
    comments: data.comments.length,
    accounts: accounts.length,
    credentials: 1,
    hints: hinted.length,
    deleted_posts: tombstones.length,
    comment_deletions: 1,
    credential_deletions: 1,
  };
}

/** One more comment, straight into MongoDB (a write the backup does not have). */
export async function insertStrayComment(db: mongoose.mongo.Db, postId: string): Promise<string> {
  const id = newId();
  await db
    .collection<{ _id: string }>('comments')
    .insertOne(
      toCommentDocument({ id, postId, commenter: 'Late', comment: 'after', createdAt: new Date() }),
    );
  return id;
}

/**
 * Every document of the backed-up collections with its exact BSON types (dates, doubles, int32s),
 * as canonical Extended JSON, sorted by _id: equal values mean equal data.
 */
export async function mongoDocuments(db: mongoose.mongo.Db): Promise<Record<string, string[]>> {
  const all: Record<string, string[]> = {};
  for (const name of BACKUP_COLLECTIONS) {
    const docs = await db.collection(name).find({}, { promoteValues: false }).toArray();
    all[name] = docs
      .sort((a, b) => String(a._id).localeCompare(String(b._id)))
      .map((doc) => EJSON.stringify(doc, { relaxed: false }));
  }
  return all;
}

export async function collectionNames(db: mongoose.mongo.Db): Promise<string[]> {
  return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
}

/** The lines of a gzip'd backup file. */
export async function backupLines(path: string): Promise<string[]> {
  return gunzipSync(await readFile(path))
    .toString('utf8')
    .split('\n')
    .filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** Writes lines as a valid gzip'd file (how a truncated or tampered copy is made). */
export async function writeBackupLines(path: string, lines: string[]): Promise<void> {
  await writeFile(path, gzipSync(lines.map((line) => `${line}\n`).join('')));
}

/** Runs `use` against the database of a mongodb:// URL (one the test's config does not name). */
export async function withMongoAt<T>(
  url: string,
  use: (db: mongoose.mongo.Db) => Promise<T>,
): Promise<T> {
  const connection = await mongoose
    .createConnection(url, { serverSelectionTimeoutMS: 5000 })
    .asPromise();
  try {
    return await use(connection.db!);
  } finally {
    await connection.close();
  }
}

/**
 * A backup file written and signed with `key` (as `mongo backup` would) holding the documents of
 * the given document lines of another backup, as they are: how a file that is authentic but
 * holds a document of the wrong shape is made.
 */
export async function signedBackupOf(
  path: string,
  database: string,
  documentLines: string[],
  key: string,
): Promise<void> {
  const byCollection = new Map<string, mongoose.mongo.Document[]>();
  for (const line of documentLines) {
    const { c, d } = JSON.parse(line) as { c: string; d: mongoose.mongo.Document };
    const docs = byCollection.get(c) ?? [];
    docs.push(EJSON.deserialize(d, { relaxed: false }));
    byCollection.set(c, docs);
  }
  await writeBackupFile(
    path,
    database,
    (collection) =>
      (async function* () {
        yield* byCollection.get(collection) ?? [];
      })(),
    { key },
  );
}
