import { Logger } from '@nestjs/common';
import { mapConcurrent } from '../../../src/common/map-concurrent';
import { StoreName } from '../../../src/config/migration-phase';
import { Comment, COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { Post, POST_KIND } from '../../../src/kinds/post.kind';
import { HintRetryService } from '../../../src/migration/reconcile/hint-retry.service';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { Hint } from '../../../src/store/hints/hint-log';
import { HintLogs } from '../../../src/store/hints/hint-logs';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { Replicas } from '../../../src/store/replicas';
import {
  commentDeleteVersion,
  deleteVersion,
  newId,
  nextVersion,
  nowMicros,
} from '../../../src/store/versions';
import { StoreModule, storeModule } from '../helpers/store-module';

const C = 16;

function newPost(title: string): Post {
  const createdAt = new Date();
  return {
    id: newId(createdAt),
    title,
    content: `content of ${title}`,
    author: `author ${title.length % 7}`,
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: nowMicros(),
  };
}

const newComment = (postId: string, i: number): Comment => ({
  id: newId(),
  postId,
  commenter: 'Grace',
  comment: `comment ${i}`,
  createdAt: new Date(),
});

const edit = (post: Post, title: string): Post => ({
  ...post,
  title,
  updatedAt: new Date(),
  version: nextVersion(post.version),
});

/**
 * A backlog of a few thousand hints, drained by the batched retry against the real servers while
 * a writer keeps editing hinted records in the primary (and missing the secondary, so only their
 * newer hints can bring the edits over): at the end no hint is left and verify is clean.
 */
describe.each([
  // the case at full size; the other direction (MongoDB's log, its bulk removal) smaller
  ['cassandra-primary', 'cassandra', 'mongo', 1],
  ['dual-write', 'mongo', 'cassandra', 0.25],
] as const)(
  'hint retry in %s: a backlog drained in batches',
  (phase, primaryName, secondaryName, scale) => {
    const n = (count: number) => Math.round(count * scale);
    let m: StoreModule;
    beforeAll(async () => {
      m = await storeModule(`hint_drain_${primaryName}`, phase, {
        HINT_RETRY_BATCH: '250',
        HINT_RETRY_CONCURRENCY: '16',
      });
    });
    afterAll(() => m?.close());

    it('copies every record, deletion and repeated edit; newer hints recorded during the drain survive it; verify is clean', async () => {
      jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const router = m.module.get(PostStoreRouter);
      const replicas = m.module.get(Replicas);
      const primary = router.storeNamed(primaryName);
      const source = replicas.get(primaryName);
      const target = replicas.get(secondaryName as StoreName);
      const hints = m.module.get(HintLogs).get(primaryName);
      const hinted = (entity: string, id: string, postId: string, op: Hint['op'] = 'upsert') =>
        hints.record({ entity, id, postId, op, at: nowMicros(), error: 'missed (simulated)' });

      // in both stores before the secondary fell behind
      const shared = Array.from({ length: n(500) }, (_, i) => newPost(`shared ${i}`));
      await mapConcurrent(shared, C, (post) => primary.createPost(post));
      await target.applyMany(POST_KIND, shared, C);
      // comments on posts that will be deleted, and on posts that will be edited
      const sharedComments = [...shared.slice(0, n(100)), ...shared.slice(n(300), n(400))].map(
        (post, i) => newComment(post.id, i),
      );
      await mapConcurrent(sharedComments, C, (c) => primary.addComment(c));
      await target.applyMany(COMMENT_KIND, sharedComments, C);

      // what the secondary missed: new posts and comments, ...
      const fresh = Array.from({ length: n(1000) }, (_, i) => newPost(`fresh ${i}`));
      await mapConcurrent(fresh, C, async (post) => {
        await primary.createPost(post);
        await hinted('post', post.id, post.id);
      });
      const freshComments = fresh.slice(0, n(400)).map((post, i) => newComment(post.id, i));
      await mapConcurrent(freshComments, C, async (comment) => {
        expect(await primary.addComment(comment)).toBe(true);
        await hinted('comment', comment.id, comment.postId);
      });
      // ... deletions of posts (hinted, and so are the comments that went with them), of comments
      // on their own,
      const doomed = shared.slice(0, n(300));
      await mapConcurrent(doomed, C, async (post) => {
        expect(await primary.deletePost(post, deleteVersion(post.version))).toBe(true);
        await hinted('post', post.id, post.id, 'delete');
      });
      await mapConcurrent(sharedComments.slice(0, n(100)), C, (c) =>
        hinted('comment', c.id, c.postId),
      );
      await mapConcurrent(sharedComments.slice(n(100)), C, async (comment) => {
        const deletedAt = commentDeleteVersion(comment.createdAt);
        expect(await primary.deleteComment(comment, deletedAt)).toBe(true);
        await hinted('comment', comment.id, comment.postId, 'delete');
      });
      // ... and edits, hinted again on every edit (one post 20 times)
      const edited = shared.slice(n(300), n(500));
      const latest = new Map<string, Post>();
      await mapConcurrent(edited, C, async (post) => {
        let current = post;
        for (let round = 1; round <= (post === edited[0] ? 20 : 3); round++) {
          const next = edit(current, `${post.title} edit ${round}`);
          expect(await primary.updatePost(next, current)).toBe(true);
          await hinted('post', post.id, post.id);
          current = next;
        }
        latest.set(post.id, current);
      });
      const backlog = await hints.pending();
      expect(backlog).toBeGreaterThanOrEqual(n(2100));

      // a writer edits fresh posts while the backlog drains, missing the secondary: only their
      // newer hints can bring the edits over
      const retry = m.module.get(HintRetryService);
      const draining = retry.retry(source, target, hints);
      let edits = 0;
      let duringDrain = 0;
      let drained = false;
      void draining.then(() => (drained = true));
      const current = new Map(fresh.slice(0, n(100)).map((post) => [post.id, post]));
      for (let round = 0; round < 3; round++) {
        await mapConcurrent([...current.values()], 4, async (post) => {
          const next = edit(post, `${post.title} (during the drain ${++edits})`);
          expect(await primary.updatePost(next, post)).toBe(true);
          await hinted('post', post.id, post.id);
          if (!drained) duringDrain++;
          current.set(post.id, next);
          latest.set(post.id, next);
        });
      }
      const first = await draining;
      const rest = await retry.retry(source, target, hints);

      expect(first.failed + rest.failed).toBe(0);
      expect(first.retried).toBeGreaterThanOrEqual(backlog);
      expect(duringDrain).toBeGreaterThan(0);
      expect(await hints.pending()).toBe(0);
      const secondary = router.storeNamed(secondaryName as StoreName);
      for (const [id, post] of latest)
        expect((await secondary.getPost(id))?.title).toBe(post.title);
      for (const post of doomed.slice(0, 20)) expect(await secondary.getPost(post.id)).toBeNull();

      const { report } = await m.module
        .get(VerifyService)
        .verify(source, target, { recheckDelayMs: 0 });
      expect(report).toMatchObject({ clean: true, differences: [] });
    }, 900_000);
  },
);
