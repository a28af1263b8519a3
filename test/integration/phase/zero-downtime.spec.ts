import { NestExpressApplication } from '@nestjs/platform-express';
import { ChildProcess } from 'node:child_process';
import { Client } from 'cassandra-driver';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { sleep } from '../../support/http-poll';
import { testEnv } from '../../support/test-env';
import {
  accountDifferences,
  appDifferences,
  cassandraAccounts,
  cassandraSeen,
  countBy,
  differences,
  mongoAccounts,
  mongoSeen,
  StoredAccount,
} from '../helpers/acked-writes';
import { CliRun, WRITER, createTestApp, healthDetails } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { AckedPost, BlogTraffic } from '../helpers/blog-traffic';
import {
  Dataset,
  cliEnvOf,
  insertDataset,
  makeDataset,
  startCli,
  verifyStores,
} from '../helpers/migration';
import { dropTestStores, rawCassandra, withMongo } from '../helpers/stores';

/** Sized for this 2-core machine: FerretDB scans a collection for every MongoDB-side read. */
const POSTS = 1000;
const COMMENTS = 3000;
const WORKERS = 4;
const READS = 0.5;
/** operations per second: the same load in every phase (FerretDB's phases sustain ~10-20) */
const RATE = 15;
/** the share of writes that create an account or change one (role, disable, enable) */
const ACCOUNT_WRITES = 0.1;
/** verify and reconcile look at a difference again after this long: copies lag under load */
const RECHECK_MS = 5000;
/** how long an instance may take to answer /health 200 after a switch (logged when it takes 0.5 s or more) */
const HEALTHY_WITHIN_MS = 30_000;
/** how long the hint retry job (every second) may take to copy what was missed (logged) */
const HINTS_DRAINED_WITHIN_MS = 60_000;

/**
 * The claim of the whole migration, on real servers: two app instances serve a steady mix of
 * reads and writes while the phase goes mongo → dual-write → (backfill, verify) →
 * cassandra-primary → cassandra and all the way back, and no client sees a failure, a stale
 * read or a lost write.
 */
describe('zero downtime: mongo → cassandra and back under load on two app instances', () => {
  let env: Record<string, string>;
  let config: AppConfig;
  const apps: NestExpressApplication[] = [];
  let clients: BlogClient[];
  let cassandra: Client;
  let existing: Dataset;
  let traffic: BlogTraffic;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    config = loadConfig(
      testEnv('zero_downtime', {
        MIGRATION_PHASE: 'mongo',
        PHASE_POLL_INTERVAL: '500ms',
        HINT_RETRY_INTERVAL: '1s',
        RECONCILE_INTERVAL: '0',
        // every write comes from 127.0.0.1: the per-address limits would refuse most of them
        RATE_LIMIT_WRITES: '0',
        RATE_LIMIT_COMMENTS: '0',
        // the health details are read on the operators' port, without a session
        OPS_PORT: '0',
      }),
    );
    env = cliEnvOf(config);
    existing = makeDataset(POSTS, COMMENTS, 'before');
    // the app in phase mongo creates MongoDB's collections: start one before seeding
    apps.push(await listening(config));
    await withMongo(config, (db) => insertDataset(db, existing));
    apps.push(await listening(config));
    clients = await Promise.all(apps.map((app) => BlogClient.of(app)));
    cassandra = rawCassandra(config);
    await cassandra.connect();
    traffic = new BlogTraffic(clients, existing, {
      reads: READS,
      rate: RATE,
      accounts: ACCOUNT_WRITES,
    });
  }, 120_000);

  afterAll(async () => {
    const started = Date.now();
    for (const child of children) child.kill('SIGKILL');
    await traffic?.stop();
    await cassandra?.shutdown();
    await Promise.all(apps.map((app) => app.close()));
    // MIGRATION_PHASE=mongo names only MongoDB; the keyspace was made on the way
    await dropTestStores(loadConfig({ ...env, MIGRATION_PHASE: 'dual-write' }));
    console.log(`zero-downtime | teardown ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 180_000);

  /** Runs one step under the traffic and prints how long it took and what the clients did. */
  async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    const from = Date.now();
    const result = await run();
    const to = Date.now();
    const requests = traffic.requests.filter((r) => r.at >= from && r.at <= to);
    const failed = requests.filter((r) => !r.ok).length;
    const reads = requests.filter((r) => ['home', 'page', 'list', 'get'].includes(r.op)).length;
    const ms = requests.map((r) => r.ms).sort((a, b) => a - b);
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
    const load =
      requests.length === 0
        ? 'no traffic'
        : `${requests.length} requests (${reads} reads, ${failed} failed; p50 ${at(0.5)} ms, p99 ${at(0.99)} ms) | ${traffic.ackedBetween(from, to)} acked writes`;
    console.log(
      `zero-downtime | ${name.padEnd(36)} | ${((to - from) / 1000).toFixed(1).padStart(5)} s | ${load}`,
    );
    return result;
  }

  /** A CLI run to the end; one still running when the test ends is killed in afterAll. */
  async function run(...args: string[]): Promise<CliRun> {
    const started = startCli(env, ...args);
    children.add(started.child);
    try {
      return await started.done;
    } finally {
      children.delete(started.child);
    }
  }

  /** A CLI run that must exit 0; on failure everything it printed is in the error. */
  async function cliOk(...args: string[]): Promise<CliRun> {
    const done = await run(...args);
    if (done.status !== 0) throw cliFailed(args, done);
    return done;
  }

  async function setPhase(phase: MigrationPhase): Promise<void> {
    const run = await step(`phase set ${phase}`, () => cliOk('phase', 'set', phase));
    await expectFollowed(phase, run);
  }

  /** `phase set` waited for both instances, and both say so themselves. */
  async function expectFollowed(phase: MigrationPhase, run: CliRun): Promise<void> {
    expect(run.stdout).toMatch(new RegExp(`all 2 app instance\\(s\\) serve ${phase}`));
    // both instances say so themselves, and are healthy in it (a store slower than
    // HEALTH_CHECK_TIMEOUT_MS on this busy machine gets a few more seconds)
    for (const [index, app] of apps.entries()) {
      const started = Date.now();
      const deadline = started + HEALTHY_WITHIN_MS;
      for (;;) {
        const health = await healthDetails(app);
        const details = health.body as { details?: { phase?: { phase?: string } } };
        expect(details.details?.phase?.phase).toBe(phase);
        if (health.status === 200 || Date.now() > deadline) {
          if (Date.now() - started >= 500) {
            console.log(
              `zero-downtime | instance ${index + 1} healthy in ${phase} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
            );
          }
          expect({ status: health.status, details: health.body.details }).toMatchObject({
            status: 200,
            details: { phase: { status: 'up', phase } },
          });
          break;
        }
        await sleep(500);
      }
    }
  }

  /** Stops the traffic, lets every copy land (in flight, then hinted) and checks the clients. */
  async function stopTraffic(): Promise<void> {
    await step('stop traffic, drain copies', async () => {
      await traffic.stop();
      for (const app of apps) {
        const router = app.get(PostStoreRouter);
        for (const phase of ['dual-write', 'cassandra-primary'] as const) {
          await (router.storeFor(phase) as DualWritePostStore).drain();
        }
      }
      await waitForNoHints();
    });
    expect(traffic.unexpected).toEqual([]);
    expect(traffic.stale).toEqual([]);
  }

  /**
   * The hint retry job (every second) copies what either dual phase's secondary missed (a copy
   * missed around a switch is in the other phase's log): both stores' hints are counted.
   */
  async function waitForNoHints(): Promise<void> {
    const started = Date.now();
    let first: { mongo: number; cassandra: number } | undefined;
    for (;;) {
      const pending = await pendingHints();
      first ??= pending;
      if (pending.mongo + pending.cassandra === 0) {
        console.log(
          `zero-downtime | hints ${JSON.stringify(first)} drained in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        return;
      }
      if (Date.now() - started > HINTS_DRAINED_WITHIN_MS) {
        throw new Error(
          `hints still pending after ${HINTS_DRAINED_WITHIN_MS / 1000} s: ${JSON.stringify(pending)}`,
        );
      }
      await sleep(500);
    }
  }

  async function pendingHints(): Promise<{ mongo: number; cassandra: number }> {
    const mongo = await withMongo(config, (db) => db.collection('hints').countDocuments());
    const rows = await cassandra
      .execute(`SELECT COUNT(*) AS n FROM ${config.cassandraKeyspace}.hints`)
      .catch(() => undefined); // no keyspace yet
    return { mongo, cassandra: Number(rows?.first().get('n') ?? 0) };
  }

  async function checkCassandra(acked: AckedPost[]): Promise<void> {
    const view = await cassandraSeen(cassandra, config.cassandraKeyspace);
    expect(differences('cassandra', acked, view.seen, true)).toEqual([]);
    expect(view.byPostDiffers).toEqual([]);
  }

  /**
   * Every account the clients created, with its last acknowledged name, role and disabled flag,
   * in each store (read straight from it; in Cassandra each name claimed by its account), and
   * the writer's; no other account.
   */
  async function checkAccounts(stores: ('mongo' | 'cassandra')[]): Promise<void> {
    const acked = [...traffic.accounts.values()];
    for (const store of stores) {
      const seen =
        store === 'mongo'
          ? await mongoAccounts(config)
          : await cassandraAccounts(cassandra, config.cassandraKeyspace);
      expect(accountDifferences(store, acked, seen)).toEqual([]);
      expect({ store, accounts: seen.accounts.length }).toEqual({
        store,
        accounts: acked.length + 1,
      });
      expect(seen.accounts).toContainEqual(
        expect.objectContaining({ username: WRITER.username, role: 'admin', disabled: false }),
      );
    }
  }

  function summary(): string {
    const ops = countBy(traffic.requests.map((r) => r.op));
    const acks = countBy(traffic.acks.map((a) => a.op));
    return `${traffic.requests.length} requests ${JSON.stringify(ops)}, ${traffic.acks.length} acked writes ${JSON.stringify(acks)}, ${traffic.quietReads} quiet post reads compared with the acked state`;
  }

  /** The way forward: mongo → dual-write → cassandra-primary → cassandra, under load. */
  async function goForward(): Promise<void> {
    await step('traffic in phase mongo', async () => {
      traffic.start(WORKERS);
      await sleep(3000);
    });
    await setPhase('dual-write');
    const backfill = await step('migrate backfill', () => cliOk('migrate', 'backfill'));
    expect(backfill.stdout).toMatch(
      /copied [\d,]+ posts, [\d,]+ comments, [\d,]+ accounts and [\d,]+ credentials/,
    );
    const verify = await step('migrate verify', () =>
      cliOk('migrate', 'verify', '--recheck-delay', `${RECHECK_MS}`),
    );
    expect(verify.stdout).toContain('clean');
    await setPhase('cassandra-primary');
    await setPhase('cassandra');
    await step('traffic in phase cassandra', () => sleep(3000));
    await stopTraffic();
    console.log(`zero-downtime | forward: ${summary()}`);
    console.log(`zero-downtime | ${backfill.stdout.trim()}`);

    const acked = [...traffic.posts.values()];
    expect(acked.filter((p) => p.preexisting && p.deleted).length).toBeGreaterThan(5);
    expect(acked.filter((p) => !p.preexisting).length).toBeGreaterThan(10);
    const accountWrites = countBy(traffic.acks.map((a) => a.op));
    expect(accountWrites['account-create']).toBeGreaterThan(3);
    expect(accountWrites['account-change']).toBeGreaterThan(3);
    await step('check: Cassandra', () => checkCassandra(acked));
    await step('check: accounts in Cassandra', () => checkAccounts(['cassandra']));
    const app = await step('check: the app (Cassandra)', () => appDifferences(clients, acked));
    expect(app.differences).toEqual([]);
    console.log(
      `zero-downtime | the app: listing matched all ${acked.length} acked posts; ${app.read} read one by one`,
    );
  }

  /** The way back under the same load: cassandra → cassandra-primary → dual-write, MongoDB complete again. */
  async function comeBack(): Promise<void> {
    await step('traffic in phase cassandra', async () => {
      traffic.start(WORKERS);
      await sleep(3000);
    });
    const backfill = await step('migrate backfill --from cassandra', () =>
      cliOk('migrate', 'backfill', '--from', 'cassandra'),
    );
    expect(backfill.stdout).toMatch(
      /copied [\d,]+ posts, [\d,]+ comments, [\d,]+ accounts and [\d,]+ credentials/,
    );
    await setPhase('cassandra-primary');
    const reconcile = await step('migrate reconcile', () =>
      cliOk('migrate', 'reconcile', '--recheck-delay', `${RECHECK_MS}`),
    );
    await setPhase('dual-write');
    await step('traffic in phase dual-write', () => sleep(3000));
    await stopTraffic();
    console.log(`zero-downtime | both ways: ${summary()}`);
    console.log(`zero-downtime | ${backfill.stdout.trim()}`);
    console.log(`zero-downtime | ${reconcile.stdout.trim()}`);

    const acked = [...traffic.posts.values()];
    await step('check: MongoDB', async () => {
      expect(differences('mongo', acked, await mongoSeen(config), true)).toEqual([]);
    });
    // FerretDB scans both collections for every post read: a sample of the written posts
    // (every one of them is compared in MongoDB itself above)
    const app = await step('check: the app (MongoDB)', () =>
      appDifferences(clients, acked, { touched: 100, untouched: 20 }),
    );
    expect(app.differences).toEqual([]);
    console.log(
      `zero-downtime | the app: listing matched all ${acked.length} acked posts; ${app.read} read one by one`,
    );
    await step('check: Cassandra', () => checkCassandra(acked));
    await step('check: accounts in both stores', () => checkAccounts(['mongo', 'cassandra']));
    // and as the app's CLI lists them (the phase's AccountStore)
    const listed = await step('user list --json', () => cliOk('user', 'list', '--json'));
    const users = JSON.parse(listed.stdout) as StoredAccount[];
    expect(accountDifferences('user list', traffic.accounts.values(), { accounts: users })).toEqual(
      [],
    );
    const verify = await step('migrate verify', () => verifyStores(env));
    if (verify.status !== 0 || !verify.report?.clean) {
      throw new Error(
        `verify is not clean (exit ${verify.status}):\n${verify.stdout}${verify.stderr}`,
      );
    }
    const live = acked.filter((p) => !p.deleted);
    const comments = live.reduce((n, p) => n + p.comments.size, 0);
    // the clients' accounts and the writer, with the writer's two tokens (one per instance)
    const records = {
      posts: live.length,
      comments,
      accounts: traffic.accounts.size + 1,
      credentials: 2,
    };
    expect(verify.report.records).toEqual({ mongo: records, cassandra: records });
  }

  /**
   * One test, not one per way: the way back is the second half of one story. It starts from
   * where the way forward ended (phase cassandra, the data written under load, every write the
   * clients were told succeeded) and goes on under the same load client, so the acknowledged
   * writes of both halves are checked together at the end. Run alone, a test of the way back
   * would have to go forward first anyway.
   */
  it('moves mongo → dual-write → cassandra-primary → cassandra and back → cassandra-primary → dual-write under load, without a failed request or a lost write', async () => {
    await goForward();
    await comeBack();
  }, 840_000);
});

function cliFailed(args: string[], run: CliRun): Error {
  return new Error(
    `\`${args.join(' ')}\` exited ${run.status}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`,
  );
}

async function listening(config: AppConfig): Promise<NestExpressApplication> {
  const app = await createTestApp(config);
  await app.listen(0, '127.0.0.1');
  return app;
}
