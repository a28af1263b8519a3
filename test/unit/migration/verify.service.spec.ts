import { MigrationState } from '../../../src/control/migration-state';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { FakeReplica, fakeComment, fakePost, replicasOf, twoSides } from './fake-replica';

describe('VerifyService (logic, in-memory stores)', () => {
  const state = { get: async () => undefined, put: async () => undefined };
  const metrics = new BlogMetrics();
  const verifier = new VerifyService(
    replicasOf(new FakeReplica('mongo'), new FakeReplica('cassandra')),
    state as unknown as MigrationState,
    metrics,
  );
  const ids = (r: { differences: { entity: string; id: string; kind: string }[] }) =>
    r.differences.map((d) => `${d.entity}:${d.id}:${d.kind}`).sort();

  it('a clean pair is one scan of each store, with nothing drilled', async () => {
    const { mongo, cassandra } = twoSides(500);
    const { report } = await verifier.verify(mongo, cassandra, { recheckDelayMs: 0 });
    expect(report).toMatchObject({ clean: true, differing_buckets: 0, suspects: 0 });
    expect(report.records).toEqual({
      mongo: { posts: 500, comments: 1000, accounts: 0, credentials: 0 },
      cassandra: { posts: 500, comments: 1000, accounts: 0, credentials: 0 },
    });
    expect([mongo.scans, cassandra.scans]).toEqual([1, 1]);
  });

  it('looks again only after settle: a hinted copy that lands meanwhile is not reported', async () => {
    const { mongo, cassandra } = twoSides(100);
    const [late] = [...mongo.posts.values()];
    cassandra.posts.set(late.id, { ...late, title: 'before the copy' });
    const stale = await verifier.verify(mongo, cassandra, { recheckDelayMs: 0 });
    expect(ids(stale.report)).toEqual([`post:${late.id}:different`]);

    let settled = 0;
    const settle = async () => {
      settled++;
      cassandra.posts.set(late.id, late); // the hint retry job copied it
    };
    const { report } = await verifier.verify(mongo, cassandra, { recheckDelayMs: 0, settle });
    expect(settled).toBe(1);
    expect(report).toMatchObject({ clean: true, suspects: 1 });
  });

  it('names each missing, extra and different record, both ways, after a recheck', async () => {
    const { mongo, cassandra } = twoSides(300);
    const [missing, different] = [...mongo.posts.values()];
    cassandra.posts.delete(missing.id);
    cassandra.posts.set(different.id, { ...different, title: 'changed' });
    const extra = fakePost();
    cassandra.posts.set(extra.id, extra);
    const orphan = fakeComment(extra.id);
    cassandra.comments.set(orphan.id, orphan);
    const duplicate = [...mongo.posts.values()][5];
    cassandra.extraPostRows.push(duplicate); // the same post twice: not "exactly once"

    const { report, seen } = await verifier.verify(mongo, cassandra, { recheckDelayMs: 0 });
    expect(report.clean).toBe(false);
    expect(ids(report)).toEqual(
      [
        `post:${missing.id}:missing`,
        `post:${different.id}:different`,
        `post:${extra.id}:extra`,
        `comment:${orphan.id}:extra`,
        `post:${duplicate.id}:different`,
      ].sort(),
    );
    expect(report.differences.every((d) => d.where === 'cassandra')).toBe(true);
    // the rows each store holds of a differing record come along for the repair
    expect(seen.get(`post:${duplicate.id}`)?.cassandra).toHaveLength(2);
    expect(seen.get(`post:${missing.id}`)?.cassandra).toBeUndefined();
    // digest scan, drill, recheck
    expect(cassandra.scans).toBe(3);
    // blog_verify_differences: this verify's differences per kind
    const shown = await metrics.valuesOf('blog_verify_differences');
    expect(Object.fromEntries(shown.map((v) => [v.labels.kind, v.value]))).toMatchObject({
      post: 4,
      comment: 1,
    });
  });

  it('does not report a difference that is gone when it looks again (a write in flight)', async () => {
    const { mongo, cassandra } = twoSides(50);
    const late = [...mongo.posts.values()][3];
    cassandra.posts.delete(late.id);
    const lateComment = fakeComment(late.id);
    mongo.comments.set(lateComment.id, lateComment);
    const realScan = cassandra.verifyScan.bind(cassandra);
    cassandra.verifyScan = async (sink, channels) => {
      await realScan(sink, channels);
      if (cassandra.scans === 2) cassandra.posts.set(late.id, late); // the copy lands
    };
    const { report } = await verifier.verify(mongo, cassandra, { recheckDelayMs: 0 });
    expect(report.suspects).toBe(2);
    expect(ids(report)).toEqual([`comment:${lateComment.id}:missing`]);
  });

  it('drills in several passes when much differs, and still finds every difference', async () => {
    const { mongo, cassandra } = twoSides(400);
    cassandra.posts.clear();
    cassandra.comments.clear();
    const { report } = await verifier.verify(mongo, cassandra, {
      recheckDelayMs: 0,
      maxDrillEntries: 200,
    });
    expect(report.differences).toHaveLength(1200);
    expect(report.differences.every((d) => d.kind === 'missing')).toBe(true);
    // 1200 records in passes of at most 200: at least 6 drill scans, then the rechecks
    expect(mongo.scans).toBeGreaterThanOrEqual(1 + 6 + 6);
  });
});
