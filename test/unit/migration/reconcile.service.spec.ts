import { Logger } from '@nestjs/common';
import { StoppedError } from '../../../src/common/stop';
import { AppConfig } from '../../../src/config/app-config';
import { MigrationState } from '../../../src/control/migration-state';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { HintRetryService } from '../../../src/migration/reconcile/hint-retry.service';
import { ReconcileService } from '../../../src/migration/reconcile/reconcile.service';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { Hint } from '../../../src/store/hints/hint-log';
import { HintLogs } from '../../../src/store/hints/hint-logs';
import { fakeComment, fakePost, replicasOf, twoSides } from './fake-replica';
import { MemoryHints } from './memory-hints';

/** the batch and concurrency the hint retry had before HINT_RETRY_BATCH / _CONCURRENCY */
const SETTINGS = { hintRetryBatch: 100, hintRetryConcurrency: 8 } as AppConfig;

function setup(posts = 30) {
  const { mongo, cassandra } = twoSides(posts);
  const hints = new MemoryHints();
  // dual-write keeps its hints in MongoDB; cassandra-primary's log (in Cassandra) is empty here
  const hintLogs = new HintLogs(hints as never, new MemoryHints() as never);
  const replicas = replicasOf(mongo, cassandra);
  const bodies = new Map<string, unknown>();
  const state = {
    get: async (name: string) => bodies.get(name),
    put: async (name: string, body: unknown) => void bodies.set(name, body),
  } as unknown as MigrationState;
  const metrics = new BlogMetrics();
  const service = new ReconcileService(
    replicas,
    hintLogs,
    new VerifyService(replicas, state, metrics),
    new HintRetryService(replicas, SETTINGS),
    state,
    metrics,
  );
  return { mongo, cassandra, hints, service, bodies, replicas, metrics };
}

const hint = (entity: string, id: string, postId: string, at: number): Hint => ({
  entity,
  id,
  postId,
  op: 'upsert',
  at,
  error: 'timeout',
});

describe('ReconcileService and the hint retry (logic, in-memory stores)', () => {
  const run = (service: ReconcileService, dryRun = false) =>
    service.run('dual-write', { dryRun, recheckDelayMs: 0 });

  it('copies each hinted record as the primary holds it now, then removes the hint', async () => {
    const { mongo, cassandra, hints, service } = setup();
    const edited = [...mongo.posts.values()][0];
    const newer = { ...edited, title: 'edited again', version: edited.version + 10 };
    mongo.posts.set(edited.id, newer);
    const deleted = [...mongo.posts.values()][1];
    mongo.posts.delete(deleted.id);
    mongo.deletions.set(deleted.id, deleted.version + 5);
    const comment = fakeComment(edited.id);
    mongo.comments.set(comment.id, comment);
    await hints.record(hint('post', edited.id, edited.id, 1));
    await hints.record(hint('post', deleted.id, deleted.id, 2));
    await hints.record(hint('comment', comment.id, edited.id, 3));

    const report = await run(service);
    expect(report.hints).toEqual({ retried: 3, failed: 0 });
    expect(hints.hints.size).toBe(0);
    expect(cassandra.posts.get(edited.id)).toEqual(newer);
    expect(cassandra.posts.has(deleted.id)).toBe(false);
    expect(cassandra.comments.get(comment.id)).toEqual(comment);
    // deleted's comments went with it in both; nothing else differs
    for (const [id, c] of [...mongo.comments])
      if (c.postId === deleted.id) mongo.comments.delete(id);
    expect((await run(service)).found).toBe(0);
  });

  it('copies a hinted comment deletion; a deleted comment still in the secondary is repaired', async () => {
    const { mongo, cassandra, hints, service } = setup(5);
    const [hinted, drifted] = [...mongo.comments.values()];
    for (const comment of [hinted, drifted]) {
      mongo.comments.delete(comment.id);
      mongo.commentDeletions.set(comment.id, comment.createdAt.getTime() * 1000 + 7);
    }
    // the copy of one deletion was missed and hinted; the other's was lost without a hint
    await hints.record({ ...hint('comment', hinted.id, hinted.postId, 1), op: 'delete' });

    const report = await run(service);
    expect(report.hints).toEqual({ retried: 1, failed: 0 });
    expect(report.verify.differences).toEqual([
      { entity: 'comment', id: drifted.id, kind: 'extra', where: 'cassandra' },
    ]);
    expect(report.fixed).toBe(1);
    for (const comment of [hinted, drifted]) {
      expect(cassandra.comments.has(comment.id)).toBe(false);
      expect(cassandra.commentDeletions.get(comment.id)).toBe(
        mongo.commentDeletions.get(comment.id),
      );
    }
    expect(cassandra.posts.size).toBe(5);
    expect((await run(service)).found).toBe(0);
  });

  it('keeps every hint while the secondary fails, and says so', async () => {
    const { mongo, cassandra, hints, service } = setup(5);
    const post = fakePost();
    mongo.posts.set(post.id, post);
    await hints.record(hint('post', post.id, post.id, 1));
    cassandra.failing = true;
    const report = await run(service, true); // dry run: no hint is touched either
    expect(report.hints.retried).toBe(0);
    expect(hints.hints.size).toBe(1);
    const retry = await new HintRetryService(replicasOf(mongo, cassandra), SETTINGS).retry(
      mongo,
      cassandra,
      hints,
    );
    expect(retry).toMatchObject({ retried: 0, failed: 1, error: 'cassandra is down' });
    expect(hints.hints.size).toBe(1);
  }, 10_000);

  it('a long hint retry says how far it got between batches, then what it did', async () => {
    const { mongo, cassandra, hints } = setup(0);
    for (let i = 0; i < 250; i++) {
      const post = fakePost();
      mongo.posts.set(post.id, post);
      await hints.record(hint('post', post.id, post.id, i));
    }
    const service = new HintRetryService(replicasOf(mongo, cassandra), SETTINGS);
    service.progressEveryMs = 0; // every batch
    const said: string[] = [];
    const log = jest
      .spyOn(Logger.prototype, 'log')
      .mockImplementation((message: unknown) => void said.push(String(message)));
    try {
      const result = await service.retry(mongo, cassandra, hints);
      expect(result).toEqual({ retried: 250, failed: 0 });
    } finally {
      log.mockRestore();
    }
    expect(said).toEqual([
      expect.stringMatching(/^hints: 100 copied to cassandra so far \(\d+ s\), 150 pending$/),
      expect.stringMatching(/^hints: 200 copied to cassandra so far \(\d+ s\), 50 pending$/),
      expect.stringMatching(/^hints: 250 copied to cassandra so far \(\d+ s\), 0 pending$/),
      'hints: 250 copied to cassandra, 0 still failing',
    ]);
    expect(cassandra.posts.size).toBe(250);
  });

  it('repairs the secondary from the primary and reports what it fixed', async () => {
    const { mongo, cassandra, service, bodies } = setup();
    const [a, b] = [...mongo.posts.values()];
    cassandra.posts.set(a.id, { ...a, content: 'drifted' });
    cassandra.posts.delete(b.id);
    const extra = fakePost();
    cassandra.posts.set(extra.id, extra);
    const report = await run(service);
    expect(report).toMatchObject({ found: 3, fixed: 3, remaining: [] });
    expect(cassandra.posts.get(a.id)).toEqual(a);
    expect(cassandra.posts.get(b.id)).toEqual(b);
    expect(cassandra.posts.has(extra.id)).toBe(false);
    expect(bodies.get('reconcile:last')).toMatchObject({ found: 3, fixed: 3 });
  });

  it('counts its repairs per kind, and shows what it left as the verify differences', async () => {
    const { mongo, cassandra, service, metrics } = setup();
    const [a, b] = [...mongo.posts.values()];
    cassandra.posts.set(a.id, { ...a, content: 'drifted' });
    cassandra.posts.delete(b.id);
    const orphan = fakeComment(fakePost().id);
    cassandra.comments.set(orphan.id, orphan);
    await run(service);
    const values = async (name: string) =>
      Object.fromEntries((await metrics.valuesOf(name)).map((v) => [v.labels.kind, v.value]));
    expect(await values('blog_reconcile_repairs_total')).toEqual({ post: 2, comment: 1 });
    expect(await values('blog_verify_differences')).toMatchObject({ post: 0, comment: 0 });
    // a dry run repairs nothing and counts nothing
    cassandra.posts.delete(a.id);
    await service.run('dual-write', { dryRun: true, recheckDelayMs: 0 });
    expect(await values('blog_reconcile_repairs_total')).toEqual({ post: 2, comment: 1 });
    expect(await values('blog_verify_differences')).toMatchObject({ post: 1, comment: 0 });
  });

  describe('a repair a busy store refuses', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    /** A drifted post whose repair FerretDB refuses `times` times; the run, on fake time. */
    async function refused(times: number) {
      const { mongo, cassandra, service } = setup();
      const [a] = [...mongo.posts.values()];
      cassandra.posts.set(a.id, { ...a, content: 'drifted' });
      let refusals = 0;
      const repair = cassandra.repair.bind(cassandra);
      cassandra.repair = async (...args) => {
        if (refusals < times) {
          refusals++;
          // what FerretDB's SQLite backend answers to a write under contention
          throw Object.assign(new Error('database is locked (5) (SQLITE_BUSY)'), {
            name: 'MongoServerError',
          });
        }
        await repair(...args);
      };
      const started = Date.now();
      let report: Awaited<ReturnType<typeof run>> | undefined;
      const running = run(service).then((r) => (report = r));
      while (!report) await jest.advanceTimersByTimeAsync(250);
      await running;
      return { report, refusals, seconds: (Date.now() - started) / 1000, a, cassandra };
    }

    it('is tried again for about 30 s, and counts as fixed', async () => {
      const { report, refusals, seconds, a, cassandra } = await refused(7);
      expect(refusals).toBe(7);
      expect(seconds).toBeGreaterThan(25);
      expect(seconds).toBeLessThan(40);
      expect(report).toMatchObject({ found: 1, fixed: 1, remaining: [] });
      expect(cassandra.posts.get(a.id)).toEqual(a);
    });

    it('refused on every try, it is reported as remaining', async () => {
      const { report, refusals, a, cassandra } = await refused(100);
      expect(refusals).toBe(8);
      expect(report).toMatchObject({ found: 1, fixed: 0 });
      expect(report.remaining).toEqual([expect.objectContaining({ id: a.id })]);
      expect(cassandra.posts.get(a.id)?.content).toBe('drifted');
    });
  });

  it('a run told to stop (its phase moved on) ends while reading: nothing repaired, no report', async () => {
    const { mongo, cassandra, service, bodies } = setup(200);
    const [a] = [...mongo.posts.values()];
    cassandra.posts.set(a.id, { ...a, content: 'drifted' });
    let asked = 0;
    const stop = () => ++asked > 50; // the phase moves on after 50 records were read
    await expect(
      service.run('dual-write', { dryRun: false, recheckDelayMs: 0, stop }),
    ).rejects.toThrow(StoppedError);
    expect(asked).toBeLessThan(60); // not one more full scan of 600 records
    expect(cassandra.posts.get(a.id)?.content).toBe('drifted');
    expect(bodies.has('reconcile:last')).toBe(false);
  });

  it('a run told to stop while repairing keeps the repairs it made and reports nothing', async () => {
    const { mongo, cassandra, service, bodies } = setup();
    const drifted = [...mongo.posts.values()].slice(0, 20);
    for (const p of drifted) cassandra.posts.set(p.id, { ...p, content: 'drifted' });
    let repaired = 0;
    const repair = cassandra.repair.bind(cassandra);
    cassandra.repair = async (...args) => {
      repaired++;
      await repair(...args);
    };
    const stop = () => repaired >= 3;
    await expect(
      service.run('dual-write', { dryRun: false, recheckDelayMs: 0, stop }),
    ).rejects.toThrow('reconcile stopped early');
    const fixed = drifted.filter((p) => cassandra.posts.get(p.id)?.content === p.content);
    expect(fixed.length).toBeGreaterThanOrEqual(3);
    expect(fixed.length).toBeLessThan(20);
    expect(bodies.has('reconcile:last')).toBe(false);
  });

  it('a comment that outlived its post in the primary (raced the deletion) is removed everywhere', async () => {
    const { mongo, cassandra, service } = setup();
    const post = [...mongo.posts.values()][2];
    const orphan = fakeComment(post.id);
    mongo.posts.delete(post.id);
    cassandra.posts.delete(post.id);
    for (const side of [mongo, cassandra]) {
      for (const [id, c] of [...side.comments]) if (c.postId === post.id) side.comments.delete(id);
      side.deletions.set(post.id, post.version + 1);
    }
    mongo.comments.set(orphan.id, orphan); // landed after the deletion's cascade
    const report = await run(service);
    expect(report.found).toBe(1);
    expect(mongo.comments.has(orphan.id)).toBe(false);
    expect(cassandra.comments.has(orphan.id)).toBe(false);
  });
});
