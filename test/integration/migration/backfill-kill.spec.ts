import { getConnectionToken } from '@nestjs/mongoose';
import { Client } from 'cassandra-driver';
import { Connection } from 'mongoose';
import { sleep } from '../../support/http-poll';
import {
  cli,
  CliProcess,
  cliEnvOf,
  COMMENT_TABLES,
  countTable,
  insertDataset,
  makeDataset,
  POST_TABLES,
  readCheckpoint,
  scanColumn,
  startCli,
  verifyStores,
  BlogCheckpoint,
} from '../helpers/migration';
import { StoreModule, storeModule } from '../helpers/store-module';
import { rawCassandra } from '../helpers/stores';

const POSTS = 20_000;
const COMMENTS = 100_000;
const STAGES = ['posts', 'comments', 'deletions', 'comment-deletions', 'done'] as const;

/** Where a run is killed: once its checkpoint shows at least `after` records of `stage`. */
interface Kill {
  stage: 'posts' | 'comments';
  after: number;
}

const between = (low: number, high: number) => low + Math.floor(Math.random() * (high - low));

/**
 * Random kill points: one in the posts stage, two in the comments stage (the second one in a
 * later run, further on). At about 2.5k posts/s and 5k comments/s and a checkpoint saved every
 * second, every window is several saves wide, so the stage never ends before the kill.
 */
function killPlan(): Kill[] {
  const second = between(5_000, 40_000);
  return [
    { stage: 'posts', after: between(1_500, 13_000) },
    { stage: 'comments', after: second },
    { stage: 'comments', after: between(second + 15_000, 85_000) },
  ];
}

const stageIndex = (cp: BlogCheckpoint) => STAGES.indexOf(cp.stage);

describe('kill test: migrate backfill (20 000 posts, 100 000 comments) killed with SIGKILL three times', () => {
  let store: StoreModule;
  let env: Record<string, string>;
  let cassandra: Client;
  let ks: string;
  let postIds: Set<string>;
  let commentIds: Set<string>;
  const checkpoint = () => readCheckpoint(cassandra, ks);

  beforeAll(async () => {
    store = await storeModule('backfill_kill', 'dual-write'); // applies the schema
    env = cliEnvOf(store.config);
    ks = store.config.cassandraKeyspace;
    cassandra = rawCassandra(store.config);
    await cassandra.connect();
    const data = makeDataset(POSTS, COMMENTS, 'kill');
    postIds = new Set(data.posts.map((p) => p.id));
    commentIds = new Set(data.comments.map((c) => c.id));
    await insertDataset(store.module.get<Connection>(getConnectionToken()).db!, data);
  }, 120_000);

  afterAll(async () => {
    await cassandra?.shutdown();
    await store?.close();
  });

  /**
   * Waits until run number `runs` has saved a checkpoint past the kill point, then kills it -9.
   * Returns the first checkpoint this run saved (at its start) and the one left after the kill.
   */
  async function killAt(run: CliProcess, runs: number, kill: Kill) {
    try {
      return await killWhenPast(run, runs, kill);
    } finally {
      run.child.kill('SIGKILL'); // never left running behind a failed test
    }
  }

  async function killWhenPast(run: CliProcess, runs: number, kill: Kill) {
    let exited = false;
    void run.done.then(() => (exited = true));
    let first: BlogCheckpoint | undefined;
    for (;;) {
      if (exited) {
        const { status, stdout, stderr } = await run.done;
        throw new Error(
          `backfill run ${runs} ended (${status}) before its kill: ${stdout}${stderr}`,
        );
      }
      const cp = await checkpoint();
      if (cp && cp.runs === runs) {
        first ??= cp;
        if (STAGES.indexOf(cp.stage) > STAGES.indexOf(kill.stage)) {
          throw new Error(
            `run ${runs} passed the ${kill.stage} stage before ${kill.after} records`,
          );
        }
        if (cp[kill.stage] >= kill.after) break;
      }
      await sleep(50);
    }
    await sleep(between(0, 400)); // somewhere inside the next page, not right at a save
    run.child.kill('SIGKILL');
    const ended = await run.done;
    expect(ended.signal).toBe('SIGKILL');
    await sleep(200); // a checkpoint write already sent lands before it is read
    return { first: first!, left: (await checkpoint())! };
  }

  it('resumes from the checkpoint after every kill, then verify is clean and no row is duplicated', async () => {
    const plan = killPlan();
    console.log(`kill plan: ${JSON.stringify(plan)}`);

    let left: BlogCheckpoint | undefined;
    for (const [i, kill] of plan.entries()) {
      const runs = i + 1;
      const result = await killAt(startCli(env, 'migrate', 'backfill'), runs, kill);
      if (left) {
        // the killed run started where the previous one left off, not from scratch
        expect(stageIndex(result.first)).toBeGreaterThanOrEqual(stageIndex(left));
        expect(result.first.posts).toBeGreaterThanOrEqual(left.posts);
        expect(result.first.comments).toBeGreaterThanOrEqual(left.comments);
        expect(result.first.started_at).toBe(left.started_at);
      } else {
        expect(result.first).toMatchObject({ stage: 'posts', posts: 0, comments: 0 });
      }
      expect(result.left).toMatchObject({ stage: kill.stage, runs });
      expect(result.left[kill.stage]).toBeGreaterThanOrEqual(kill.after);
      left = result.left;
    }
    expect(left!.comments).toBeLessThan(COMMENTS);

    const last = await cli(env, 'migrate', 'backfill');
    expect(last.status).toBe(0);
    const resumed = /resumed from the checkpoint \(comments after ([0-9a-f]{24})\)/.exec(
      last.stdout,
    );
    expect(resumed).not.toBeNull();
    expect(last.stdout).toMatch(/over 4 runs/);
    const copied = /copied ([\d,]+) posts, ([\d,]+) comments/.exec(last.stdout);
    expect(copied).not.toBeNull();
    const [posts, comments] = [copied![1], copied![2]].map((n) => Number(n.replace(/,/g, '')));
    // exactly the comments behind the checkpoint's position (the scan is in _id order)
    const position = resumed![1];
    expect(position >= left!.position!).toBe(true);
    expect({ posts, comments }).toEqual({
      posts: 0,
      comments: [...commentIds].filter((id) => id > position).length,
    });
    expect(comments).toBeLessThan(COMMENTS - plan[1].after);

    const done = (await checkpoint())!;
    expect(done).toMatchObject({ stage: 'done', runs: 4 });
    expect(done.posts).toBeGreaterThanOrEqual(POSTS);
    expect(done.comments).toBeGreaterThanOrEqual(COMMENTS);
    // what the kills made it copy twice: at most the pages since the last save, per kill
    expect(done.posts + done.comments - POSTS - COMMENTS).toBeLessThan(30_000);

    // a finished backfill is not run again
    const again = await cli(env, 'migrate', 'backfill');
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already complete/);
    expect((await checkpoint())!.runs).toBe(4);

    const verify = await verifyStores(env);
    if (verify.status !== 0 || !verify.report?.clean) {
      throw new Error(
        `verify is not clean (exit ${verify.status}):\n${verify.stdout}${verify.stderr}`,
      );
    }
    // no accounts or credentials in this test: the blog's other kinds count none
    const records = { posts: POSTS, comments: COMMENTS, accounts: 0, credentials: 0 };
    expect(verify.report.records).toEqual({ mongo: records, cassandra: records });

    // every row exactly once: row count, distinct ids and the seeded ids agree in every table
    const tables = [
      ...Object.entries(POST_TABLES).map(([t, pk]) => ({ t, pk, ids: postIds })),
      ...Object.entries(COMMENT_TABLES).map(([t, pk]) => ({ t, pk, ids: commentIds })),
    ];
    for (const { t, pk, ids } of tables) {
      const seen = await scanColumn(cassandra, `${ks}.${t}`, pk);
      const distinct = new Set(seen);
      expect({
        table: t,
        counted: await countTable(cassandra, `${ks}.${t}`, pk),
        rows: seen.length,
        distinct: distinct.size,
        unknown: [...distinct].filter((id) => !ids.has(id)).length,
      }).toEqual({ table: t, counted: ids.size, rows: ids.size, distinct: ids.size, unknown: 0 });
    }
  }, 360_000);
});
