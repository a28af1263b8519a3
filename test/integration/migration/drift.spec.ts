import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { BackfillService } from '../../../src/migration/backfill/backfill.service';
import { formatBackfill } from '../../../src/migration/commands/migrate-report';
import { ReconcileService } from '../../../src/migration/reconcile/reconcile.service';
import { directionOf } from '../../../src/migration/directions';
import { Replicas } from '../../../src/store/replicas';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { toCommentDocument, toPostDocument } from '../../../src/store/mongo/mongo-documents';
import { Comment, Post } from '../../../src/store/post';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { commentDeleteVersion, newId, nowMicros } from '../../../src/store/versions';
import { COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { runCli } from '../helpers/app';
import { cliEnvOf } from '../helpers/migration';
import { StoreModule, storeModule } from '../helpers/store-module';

// the seeded copies must land, not be hinted, however loaded the machine: this test is about drift
const COPY_TIMEOUT = { SECONDARY_WRITE_TIMEOUT_MS: '60000' };

function post(title: string): Post {
  const createdAt = new Date();
  return {
    id: newId(createdAt),
    title,
    content: `The content of ${title}. `.repeat(3),
    author: `author-${title.length % 3}`,
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: nowMicros(),
  };
}

function comment(postId: string, text: string): Comment {
  return { id: newId(), postId, commenter: 'Grace', comment: text, createdAt: new Date() };
}

async function seed(m: StoreModule, phase: 'dual-write' | 'cassandra-primary') {
  const dual = m.module.get(PostStoreRouter).storeFor(phase) as DualWritePostStore;
  const posts = Array.from({ length: 40 }, (_, i) => post(`Drift ${i}`));
  const comments = posts.flatMap((p) => [comment(p.id, 'first'), comment(p.id, 'second')]);
  for (const p of posts) await dual.createPost(p);
  for (const c of comments) await dual.addComment(c);
  await dual.drain();
  return { posts, comments };
}

const ids = (report: { differences: { entity: string; id: string }[] }) =>
  [...new Set(report.differences.map((d) => `${d.entity}:${d.id}`))].sort();

/**
 * A comment deleted in the phase's primary alone (its deletion's copy lost without a hint, as a
 * crash right after the answer would): verify names it, reconcile deletes it in the secondary with
 * its tombstone, and a late copy of it stays out.
 */
async function deletedCommentDrift(m: StoreModule, phase: 'dual-write' | 'cassandra-primary') {
  const { comments } = await seed(m, phase);
  const router = m.module.get(PostStoreRouter);
  const plan = phase === 'dual-write' ? ['mongo', 'cassandra'] : ['cassandra', 'mongo'];
  const [primaryName, secondaryName] = plan as ['mongo' | 'cassandra', 'mongo' | 'cassandra'];
  const primary = router.storeNamed(primaryName);
  const secondary = router.storeNamed(secondaryName);
  const spam = comments[3];
  const deletedAt = commentDeleteVersion(spam.createdAt);
  expect(await primary.deleteComment(spam, deletedAt)).toBe(true);
  expect(await secondary.getComment(spam.id)).toEqual(spam);

  const replicas = m.module.get(Replicas);
  const { source, target } = directionOf(replicas, phase);
  const { report } = await m.module.get(VerifyService).verify(source, target, {
    recheckDelayMs: 200,
  });
  expect(report.differences).toEqual([
    { entity: 'comment', id: spam.id, kind: 'extra', where: secondaryName },
  ]);
  const reconcile = await m.module.get(ReconcileService).run(phase, {
    dryRun: false,
    recheckDelayMs: 200,
  });
  expect(reconcile.found).toBe(1);
  expect(reconcile.fixed).toBe(1);
  expect(await secondary.getComment(spam.id)).toBeNull();
  expect((await secondary.listComments(spam.postId, 10)).items.map((c) => c.id)).not.toContain(
    spam.id,
  );
  expect(await replicas.get(secondaryName).state(COMMENT_KIND, spam.id)).toEqual({
    kind: 'deleted',
    deletedAt,
  });
  // the comment's copy, replayed late (a hint retry, a backfill page), does not bring it back
  await replicas.get(secondaryName).apply(COMMENT_KIND, spam);
  expect(await secondary.getComment(spam.id)).toBeNull();
  const again = await m.module.get(VerifyService).verify(source, target, { recheckDelayMs: 200 });
  expect(again.report.differences).toEqual([]);
}

describe('drift behind the app’s back: verify names exactly the records, reconcile repairs them (real servers)', () => {
  describe('dual-write (MongoDB primary): drift in both stores', () => {
    let m: StoreModule;
    beforeAll(async () => {
      m = await storeModule('drift_dual', 'dual-write', COPY_TIMEOUT);
    });
    afterAll(() => m?.close());

    it('reports every tampered record and nothing else; reconcile fixes all; verify is then clean', async () => {
      const { posts, comments } = await seed(m, 'dual-write');
      const cql = m.module.get(CassandraClient);
      const mongo = m.module.get<Connection>(getConnectionToken());
      const ks = m.config.cassandraKeyspace;
      const [a, b, c, d, e, f, g] = posts;
      const run = (q: string, params: unknown[] = []) =>
        cql.execute(q, params, { idempotent: true });

      // Cassandra, behind the app's back (no USING TIMESTAMP: the writes are "now", newer than any version)
      await run(`UPDATE ${ks}.posts_by_id SET title = 'tampered' WHERE id = ?`, [a.id]);
      await run(`DELETE FROM ${ks}.posts_by_id WHERE id = ?`, [b.id]);
      const cKey = (
        await run(`SELECT title_key, prefix FROM ${ks}.posts_by_title WHERE prefix = 'd'`)
      ).rows.find((r) => r.get('title_key') === 'drift 2');
      expect(cKey).toBeDefined();
      await run(
        `DELETE FROM ${ks}.posts_by_title WHERE prefix = 'd' AND title_key = 'drift 2' AND id = ?`,
        [c.id],
      );
      const extra = post('Only in Cassandra');
      await run(
        `INSERT INTO ${ks}.posts_by_id (id, title, content, author, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          extra.id,
          extra.title,
          extra.content,
          extra.author,
          extra.createdAt,
          extra.updatedAt,
          extra.version,
        ],
      );
      const lostInCassandra = comments.find((x) => x.postId === d.id) as Comment;
      await run(`DELETE FROM ${ks}.comments_by_id WHERE id = ?`, [lostInCassandra.id]);
      const extraComment = comment(d.id, 'only in Cassandra');
      await run(
        `INSERT INTO ${ks}.comments_by_id (id, post_id, commenter, comment, created_at) VALUES (?, ?, ?, ?, ?)`,
        [
          extraComment.id,
          d.id,
          extraComment.commenter,
          extraComment.comment,
          extraComment.createdAt,
        ],
      );
      await run(
        `INSERT INTO ${ks}.comments_by_post (post_id, created_at, id, commenter, comment) VALUES (?, ?, ?, ?, ?)`,
        [
          d.id,
          extraComment.createdAt,
          extraComment.id,
          extraComment.commenter,
          extraComment.comment,
        ],
      );

      // MongoDB (the source of truth here), behind the app's back
      await mongo
        .collection('posts')
        .updateOne({ _id: e.id as never }, { $set: { content: 'edited by hand' } });
      await mongo.collection('posts').deleteOne({ _id: f.id as never });
      const fComments = comments.filter((x) => x.postId === f.id);
      await mongo.collection('comments').deleteMany({ post_id: f.id });
      const goneFromMongo = comments.find((x) => x.postId === g.id) as Comment;
      await mongo.collection('comments').deleteOne({ _id: goneFromMongo.id as never });
      const mongoOnly = comment(g.id, 'only in MongoDB');
      await mongo.collection('comments').insertOne(toCommentDocument(mongoOnly) as never);

      const { source, target } = directionOf(m.module.get(Replicas), 'dual-write');
      const verifier = m.module.get(VerifyService);
      const { report } = await verifier.verify(source, target, { recheckDelayMs: 200 });
      expect(report.clean).toBe(false);
      expect(ids(report)).toEqual(
        [
          ...[a, b, c, e, f, extra].map((p) => `post:${p.id}`),
          ...[lostInCassandra, extraComment, ...fComments, goneFromMongo, mongoOnly].map(
            (x) => `comment:${x.id}`,
          ),
        ].sort(),
      );
      // the kinds, where they are unambiguous
      const kindOf = (id: string, where: string) =>
        report.differences.find((x) => x.id === id && x.where === where)?.kind;
      expect(kindOf(a.id, 'cassandra')).toBe('different');
      expect(kindOf(b.id, 'cassandra')).toBe('missing');
      expect(kindOf(c.id, 'cassandra.posts_by_title')).toBe('missing');
      expect(kindOf(extra.id, 'cassandra')).toBe('extra');
      expect(kindOf(e.id, 'mongo.posts')).toBe('different'); // its stored excerpt no longer matches
      expect(kindOf(mongoOnly.id, 'cassandra')).toBe('missing');
      expect(kindOf(extraComment.id, 'cassandra')).toBe('extra');

      // the CLI says the same with its exit code, and reconcile repairs everything
      const verifyCli = runCli(
        cliEnvOf(m.config),
        'migrate',
        'verify',
        '--json',
        '--recheck-delay',
        '200',
      );
      expect(verifyCli.status).toBe(1);
      expect(ids(JSON.parse(verifyCli.stdout) as typeof report)).toEqual(ids(report));

      const reconcile = await m.module.get(ReconcileService).run('dual-write', {
        dryRun: false,
        recheckDelayMs: 200,
      });
      expect(reconcile.found).toBe(report.differences.length);
      expect(reconcile.fixed).toBe(reconcile.found);
      expect(reconcile.remaining).toEqual([]);
      expect((await m.module.get(ReconcileService).last())?.fixed).toBe(reconcile.fixed);

      const again = runCli(cliEnvOf(m.config), 'migrate', 'verify', '--recheck-delay', '200');
      expect(again.stdout).toContain('clean');
      expect(again.status).toBe(0);

      // and the repaired records are the primary's
      const cassandra = m.module.get(CassandraPostStore);
      const mongoStore = m.module.get(MongoPostStore);
      expect((await cassandra.getPost(a.id))?.title).toBe(a.title);
      expect(await cassandra.getPost(b.id)).toEqual(await mongoStore.getPost(b.id));
      expect((await cassandra.getPost(e.id))?.content).toBe('edited by hand');
      expect(await cassandra.getPost(f.id)).toBeNull();
      expect(await cassandra.getPost(extra.id)).toBeNull();
      expect(await cassandra.getComment(lostInCassandra.id)).toEqual(lostInCassandra);
      expect(await cassandra.getComment(extraComment.id)).toBeNull();
      expect(await cassandra.getComment(goneFromMongo.id)).toBeNull();
      expect(await cassandra.getComment(mongoOnly.id)).toEqual(mongoOnly);
      const byTitle = await cassandra.listPosts({ sort: 'title', limit: 100 });
      expect(byTitle.items.map((x) => x.id)).toContain(c.id);
      const stored = await mongo.collection('posts').findOne({ _id: e.id as never });
      expect(stored?.excerpt).toBe(toPostDocument({ ...e, content: 'edited by hand' }).excerpt);
    });
  });

  describe('dual-write: a comment deleted in MongoDB alone', () => {
    let m: StoreModule;
    beforeAll(async () => {
      m = await storeModule('drift_cdel', 'dual-write', COPY_TIMEOUT);
    });
    afterAll(() => m?.close());

    it('is named by verify and deleted in Cassandra by reconcile, for good', () =>
      deletedCommentDrift(m, 'dual-write'));

    it('a backfill copies MongoDB’s comment deletions into Cassandra, after the comments', async () => {
      const { comments } = await seed(m, 'dual-write');
      const spam = comments[5];
      const deletedAt = commentDeleteVersion(spam.createdAt);
      expect(await m.module.get(MongoPostStore).deleteComment(spam, deletedAt)).toBe(true);
      const replicas = m.module.get(Replicas);
      const { source, target } = directionOf(replicas, 'dual-write');
      const summary = await m.module.get(BackfillService).run(source, target, {
        concurrency: 4,
        restart: true,
        dryRun: false,
      });
      // every post's deletion and comment's deletion MongoDB recorded (this file's earlier ones too)
      const tombstones = async (collection: string) =>
        m.module.get<Connection>(getConnectionToken()).collection(collection).countDocuments({});
      const [postDeletions, commentDeletions] = await Promise.all([
        tombstones('deleted_posts'),
        tombstones('comment_deletions'),
      ]);
      expect(commentDeletions).toBeGreaterThanOrEqual(1);
      expect(summary.deletions).toBe(postDeletions + commentDeletions);
      expect(summary.checkpoint).toMatchObject({
        stage: 'done',
        'comment-deletions': commentDeletions,
      });
      expect(formatBackfill(summary)).toMatch(
        new RegExp(`; ${postDeletions + commentDeletions} deletion\\(s\\) applied\\.$`),
      );
      expect(await m.module.get(CassandraPostStore).getComment(spam.id)).toBeNull();
      expect(await replicas.get('cassandra').state(COMMENT_KIND, spam.id)).toEqual({
        kind: 'deleted',
        deletedAt,
      });
      const { report } = await m.module
        .get(VerifyService)
        .verify(source, target, { recheckDelayMs: 200 });
      expect(report.differences).toEqual([]);
    });
  });

  describe('cassandra-primary: MongoDB (the live backup) drifted', () => {
    let m: StoreModule;
    beforeAll(async () => {
      m = await storeModule('drift_cprim', 'cassandra-primary', COPY_TIMEOUT);
    });
    afterAll(() => m?.close());

    it('repairs MongoDB from Cassandra: changed, deleted and extra documents', async () => {
      const { posts } = await seed(m, 'cassandra-primary');
      const mongo = m.module.get<Connection>(getConnectionToken());
      const [a, b] = posts;
      const extra = post('Only in MongoDB');
      await mongo
        .collection('posts')
        .updateOne({ _id: a.id as never }, { $set: { title: 'tampered' } });
      await mongo.collection('posts').deleteOne({ _id: b.id as never });
      await mongo.collection('posts').insertOne(toPostDocument(extra) as never);

      const reconcile = await m.module.get(ReconcileService).run('cassandra-primary', {
        dryRun: false,
        recheckDelayMs: 200,
      });
      expect(ids(reconcile.verify)).toEqual([a, b, extra].map((p) => `post:${p.id}`).sort());
      expect(reconcile.fixed).toBe(reconcile.found);

      const mongoStore = m.module.get(MongoPostStore);
      expect(await mongoStore.getPost(a.id)).toEqual(a);
      expect(await mongoStore.getPost(b.id)).toEqual(b);
      expect(await mongoStore.getPost(extra.id)).toBeNull();
      const { source, target } = directionOf(m.module.get(Replicas), 'cassandra-primary');
      const { report } = await m.module.get(VerifyService).verify(source, target, {
        recheckDelayMs: 200,
      });
      expect(report.differences).toEqual([]);
    });

    it('a comment deleted in Cassandra alone is deleted in MongoDB by reconcile, for good', () =>
      deletedCommentDrift(m, 'cassandra-primary'));
  });
});
