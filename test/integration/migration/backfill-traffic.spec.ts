import { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'cassandra-driver';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { BackfillCheckpoint } from '../../../src/migration/backfill/backfill.service';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { sleep } from '../../support/http-poll';
import { testEnv } from '../../support/test-env';
import {
  accountDifferences,
  appListing,
  appSeen,
  cassandraAccounts,
  cassandraSeen,
  countBy,
  differences,
  listingDifferences,
  mongoAccounts,
  mongoSeen,
} from '../helpers/acked-writes';
import { WRITER, createTestApp } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { AckedPost, BlogTraffic } from '../helpers/blog-traffic';
import {
  Dataset,
  insertDataset,
  makeDataset,
  readCheckpoint,
  startCli,
  verifyStores,
} from '../helpers/migration';
import { dropTestStores, rawCassandra, withMongo } from '../helpers/stores';

describe('backfill during traffic: migrate backfill while clients write through a dual-write app', () => {
  let env: Record<string, string>;
  let config: AppConfig;
  let app: NestExpressApplication;
  let blog: BlogClient;
  let cassandra: Client;
  let existing: Dataset;
  let traffic: BlogTraffic | undefined;

  beforeAll(async () => {
    env = testEnv('backfill_traffic', {
      MIGRATION_PHASE: 'dual-write',
      // what is tested is the backfill, not hints: copies are slow on a busy 2-core machine
      SECONDARY_WRITE_TIMEOUT_MS: '60000',
      // no scheduled hint retry or reconcile repairs what the backfill missed
      HINT_RETRY_INTERVAL: '0',
      RECONCILE_INTERVAL: '0',
      // every write comes from 127.0.0.1: the per-address limits would refuse most of them
      RATE_LIMIT_WRITES: '0',
      RATE_LIMIT_COMMENTS: '0',
    });
    config = loadConfig(env);
    app = await createTestApp(config); // applies the schema
    await app.listen(0, '127.0.0.1');
    blog = await BlogClient.of(app);
    cassandra = rawCassandra(config);
    await cassandra.connect();
    // written before dual-write started: in MongoDB only. One comment per post: FerretDB scans
    // every comment for each comment added (the per-post count) and each deletion, so more
    // comments would slow the traffic rather than test more of the backfill
    existing = makeDataset(2000, 2000, 'before');
    await withMongo(config, (db) => insertDataset(db, existing));
  }, 120_000);

  afterAll(async () => {
    await traffic?.stop();
    await cassandra?.shutdown();
    await app?.close();
    await dropTestStores(config);
  });

  it('every acknowledged write is in both stores and the app after the backfill, and verify is clean', async () => {
    // about one write in twelve creates or changes an account (role, disable, enable)
    traffic = new BlogTraffic(blog, existing, { accounts: 0.08 });
    traffic.start(8);
    await sleep(1000);

    // the CLI as a user runs it, slowed down (about 20 s) so the copy overlaps many writes
    const backfill = startCli(env, 'migrate', 'backfill', '--rate', '200');
    let exited = false;
    void backfill.done.then(() => (exited = true));
    let copying: { from?: number; to?: number } = {};
    let last: BackfillCheckpoint | undefined;
    while (!exited) {
      last = (await readCheckpoint(cassandra, config.cassandraKeyspace)) ?? last;
      if (last && copying.from === undefined) copying = { from: Date.now() };
      if (last?.stage === 'done' && copying.to === undefined) copying.to = Date.now();
      await sleep(100);
    }
    const run = await backfill.done;
    // the run may save its last checkpoint and exit between two looks
    last = (await readCheckpoint(cassandra, config.cassandraKeyspace)) ?? last;
    if (last?.stage === 'done' && copying.to === undefined) copying.to = Date.now();
    if (run.status !== 0) throw new Error(`backfill failed (${run.status}): ${run.stderr}`);
    expect(run.stdout).toMatch(
      /copied [\d,]+ posts, [\d,]+ comments, [\d,]+ accounts and [\d,]+ credentials/,
    );

    await sleep(500);
    await traffic.stop();
    const dual = app.get(PostStoreRouter).storeFor('dual-write') as DualWritePostStore;
    await dual.drain();

    expect(traffic.unexpected).toEqual([]);
    expect(dual.counters).toMatchObject({ missed: 0, inFlight: 0 });
    // the traffic really ran while the backfill copied, on every kind of write
    expect(copying.to).toBeGreaterThan(copying.from!);
    const during = traffic.ackedBetween(copying.from!, copying.to!);
    console.log(
      `backfill: ${run.stdout.trim()}; acked writes ${JSON.stringify(countBy(traffic.acks.map((a) => a.op)))}, ${during} while copying (${((copying.to! - copying.from!) / 1000).toFixed(1)} s)`,
    );
    // per-operation latency, so a slow run shows which write was slow
    const byOp: Record<string, number[]> = {};
    for (const r of traffic.requests) (byOp[r.op] ??= []).push(r.ms);
    const latency = Object.entries(byOp).map(([op, ms]) => {
      ms.sort((a, b) => a - b);
      return `${op} p50 ${ms[Math.floor(ms.length / 2)]} ms, max ${ms[ms.length - 1]} ms`;
    });
    console.log(`backfill traffic latency: ${latency.join('; ')}`);
    expect(during).toBeGreaterThan(50);
    for (const op of [
      'create',
      'edit',
      'comment',
      'delete',
      'account-create',
      'account-change',
    ] as const) {
      const n = traffic.acks.filter(
        (a) => a.op === op && a.at >= copying.from! && a.at <= copying.to!,
      );
      expect({ op, during: n.length > 0 }).toEqual({ op, during: true });
    }
    const acked = [...traffic.posts.values()];
    const old = acked.filter((p) => p.preexisting);
    expect(old.filter((p) => p.deleted).length).toBeGreaterThan(5);
    expect(old.filter((p) => p.version !== undefined && !p.deleted).length).toBeGreaterThan(20);
    expect(acked.filter((p) => !p.preexisting).length).toBeGreaterThan(10);

    const verify = await verifyStores(env);
    if (verify.status !== 0 || !verify.report?.clean) {
      throw new Error(
        `verify is not clean (exit ${verify.status}):\n${verify.stdout}${verify.stderr}`,
      );
    }
    const live = acked.filter((p) => !p.deleted);
    const liveComments = live.reduce((n, p) => n + p.comments.size, 0);
    // the traffic's accounts and the writer; the writer's one token
    const records = {
      posts: live.length,
      comments: liveComments,
      accounts: traffic.accounts.size + 1,
      credentials: 1,
    };
    expect(verify.report.records).toEqual({ mongo: records, cassandra: records });
    const writer = expect.objectContaining({ username: WRITER.username, role: 'admin' });
    const accounts = [...traffic.accounts.values()];
    for (const [where, seen] of [
      ['mongo', await mongoAccounts(config)],
      ['cassandra', await cassandraAccounts(cassandra, config.cassandraKeyspace)],
    ] as const) {
      expect(accountDifferences(where, accounts, seen)).toEqual([]);
      expect(seen.accounts).toHaveLength(accounts.length + 1);
      expect(seen.accounts).toContainEqual(writer);
    }

    expect(differences('mongo', acked, await mongoSeen(config), true)).toEqual([]);
    const cassandraView = await cassandraSeen(cassandra, config.cassandraKeyspace);
    expect(differences('cassandra', acked, cassandraView.seen, true)).toEqual([]);
    expect(cassandraView.byPostDiffers).toEqual([]);
    // the app: every post in its listing (title, author, excerpt, version); every deleted post
    // (a 404) and a sample of the others one by one, with their comments: each such GET lists
    // the post's comments, which FerretDB answers with a scan of the whole collection (~0.3 s)
    expect(listingDifferences(acked, await appListing(blog))).toEqual([]);
    const shuffled = (posts: AckedPost[]) => posts.sort(() => Math.random() - 0.5);
    const written = shuffled(acked.filter((p) => p.touched && !p.deleted)).slice(0, 40);
    const untouched = shuffled(old.filter((p) => !p.touched)).slice(0, 10);
    const checked = [...acked.filter((p) => p.deleted), ...written, ...untouched];
    const ids = checked.map((p) => p.id);
    expect(differences('app', checked, await appSeen(blog, ids), false)).toEqual([]);
  }, 240_000);
});
