import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { BackfillService } from '../../../src/migration/backfill/backfill.service';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { Comment, Post } from '../../../src/store/post';
import { COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { Replicas } from '../../../src/store/replicas';
import { commentDeleteVersion, deleteVersion, newId, nowMicros } from '../../../src/store/versions';
import { runCli } from '../helpers/app';
import { StoreModule, storeModule } from '../helpers/store-module';

describe('migrate CLI: reverse backfill (cassandra → mongo), idempotent re-runs, bad input (real servers)', () => {
  let m: StoreModule;
  let env: Record<string, string>;
  const posts: Post[] = [];
  const comments: Comment[] = [];

  beforeAll(async () => {
    m = await storeModule('migrate_cli', 'cassandra-primary');
    const c = m.config;
    env = {
      MIGRATION_PHASE: 'cassandra-primary',
      NODE_ENV: 'test',
      MONGO_URL: c.mongoUrl,
      CASSANDRA_CONTACT_POINTS: c.cassandraContactPoints.join(','),
      CASSANDRA_LOCAL_DC: c.cassandraLocalDc,
      CASSANDRA_KEYSPACE: c.cassandraKeyspace,
    };
    // data only Cassandra has, as after phase 3 with MongoDB emptied
    const cassandra = m.module.get(CassandraPostStore);
    for (let i = 0; i < 20; i++) {
      const createdAt = new Date(Date.now() - i * 60_000);
      const post = {
        id: newId(createdAt),
        title: `Back to MongoDB ${i}`,
        content: `Content ${i}`,
        author: i % 2 ? 'Ada' : 'Grace',
        ownerId: '',
        createdAt,
        updatedAt: createdAt,
        version: nowMicros(),
      };
      posts.push(post);
      await cassandra.createPost(post);
      for (const text of ['one', 'two']) {
        const comment = {
          id: newId(),
          postId: post.id,
          commenter: 'Linus',
          comment: text,
          createdAt,
        };
        comments.push(comment);
        await cassandra.addComment(comment);
      }
    }
  });
  afterAll(() => m?.close());

  const mongoCount = (collection: string) =>
    m.module.get<Connection>(getConnectionToken()).collection(collection).countDocuments({});
  const checkpoint = () => m.module.get(BackfillService).checkpoint('cassandra', 'mongo');

  it.each([
    [
      ['migrate', 'backfill', '--from', 'postgres'],
      "--from must be mongo or cassandra (got 'postgres')",
    ],
    [
      ['migrate', 'backfill', '--from', 'cassandra', '--concurrency', '0'],
      '--concurrency must be a whole number from 1 to 1024',
    ],
    [
      ['migrate', 'backfill', '--from', 'cassandra', '--rate', 'fast'],
      "--rate must be a whole number from 1 to 1000000 (got 'fast')",
    ],
    [['migrate', 'backfill', 'now'], "migrate backfill takes no arguments (got 'now')"],
    [['migrate', 'verify', '--recheck-delay', '-1'], '--recheck-delay must be a whole number'],
    [['migrate', 'reconcile', 'all'], 'migrate reconcile takes no arguments'],
    [['migrate'], 'missing migrate command (expected: backfill, verify, reconcile)'],
    [['migrate', 'copy'], "unknown migrate command 'copy'"],
  ])('%j is refused with one readable line and changes nothing', async (args, message) => {
    const run = runCli(env, ...args);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(await mongoCount('posts')).toBe(0);
    expect(await checkpoint()).toBeUndefined();
  });

  it('--dry-run only counts; the backfill copies everything, once; --restart copies again; verify is clean', async () => {
    const dry = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--dry-run');
    expect(dry.stdout).toContain(
      'would copy 20 posts, 40 comments, 0 accounts and 0 credentials; nothing was written',
    );
    expect(dry.status).toBe(0);
    expect(await mongoCount('posts')).toBe(0);
    expect(await checkpoint()).toBeUndefined();

    const before = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(before.status).toBe(1);
    expect(before.stdout).toContain('60 difference(s)');

    const copy = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--concurrency', '4');
    expect(copy.stdout).toMatch(
      /^backfill cassandra → mongo: copied 20 posts, 40 comments, 0 accounts and 0 credentials in [\d.]+ s/,
    );
    expect(copy.status).toBe(0);
    expect(await mongoCount('posts')).toBe(20);
    expect(await mongoCount('comments')).toBe(40);
    expect(await checkpoint()).toMatchObject({ stage: 'done', posts: 20, comments: 40, runs: 1 });

    const again = runCli(env, 'migrate', 'backfill', '--from', 'cassandra');
    expect(again.stdout).toContain('already complete');
    expect(again.status).toBe(0);

    const restart = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--restart');
    expect(restart.stdout).toContain('copied 20 posts, 40 comments, 0 accounts and 0 credentials');
    expect(await mongoCount('posts')).toBe(20);
    expect(await mongoCount('comments')).toBe(40);

    const verify = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(verify.stdout).toContain('verify cassandra → mongo: clean');
    expect(verify.stdout).toContain('mongo: 20 posts, 40 comments');
    expect(verify.status).toBe(0);
  });

  it('copies Cassandra’s deletions too: a post MongoDB still holds (a restored backup) goes', async () => {
    // as after phase 3: deleted in Cassandra only, while MongoDB was not written
    const [gone] = posts;
    await m.module.get(CassandraPostStore).deletePost(gone, deleteVersion(gone.version));
    expect(await mongoCount('posts')).toBe(20);

    const copy = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--restart');
    expect(copy.status).toBe(0);
    expect(copy.stdout).toMatch(
      /copied 19 posts, 38 comments, 0 accounts and 0 credentials in .*; 1 deletion\(s\) applied\.$/m,
    );
    expect(await mongoCount('posts')).toBe(19);
    expect(await mongoCount('comments')).toBe(38);
    const verify = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(verify.stdout).toContain('verify cassandra → mongo: clean');
  });

  it('copies Cassandra’s comment deletions: a comment MongoDB still holds goes, for good', async () => {
    // deleted in Cassandra only (moderation in phase 3), while MongoDB still holds it
    const spam = comments[comments.length - 1];
    const deletedAt = commentDeleteVersion(spam.createdAt);
    expect(await m.module.get(CassandraPostStore).deleteComment(spam, deletedAt)).toBe(true);
    expect(await mongoCount('comments')).toBe(38);

    const copy = runCli(env, 'migrate', 'backfill', '--from', 'cassandra', '--restart');
    expect(copy.status).toBe(0);
    // the post's deletion of the test before and this comment's
    expect(copy.stdout).toMatch(
      /copied 19 posts, 37 comments, 0 accounts and 0 credentials in .*; 2 deletion\(s\) applied\.$/m,
    );
    expect(await checkpoint()).toMatchObject({
      stage: 'done',
      deletions: 1,
      'comment-deletions': 1,
    });
    expect(await mongoCount('comments')).toBe(37);
    const mongo = m.module.get<Connection>(getConnectionToken());
    expect(await mongo.collection('comment_deletions').findOne({ _id: spam.id as never })).toEqual({
      _id: spam.id,
      deleted_at: deletedAt,
    });
    // a late copy of the comment (a replayed page, a hint) stays out of MongoDB
    await m.module.get(Replicas).get('mongo').apply(COMMENT_KIND, spam);
    expect(await mongoCount('comments')).toBe(37);
    const verify = runCli(env, 'migrate', 'verify', '--recheck-delay', '0');
    expect(verify.stdout).toContain('verify cassandra → mongo: clean');
    expect(verify.stdout).toContain('mongo: 19 posts, 37 comments');
  });
});
