import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { PhaseControl } from '../../../src/control/phase-control';
import { directionOf } from '../../../src/migration/directions';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { SchemaService } from '../../../src/schema/schema.service';
import { Replicas } from '../../../src/store/replicas';
import { CassandraPostStore } from '../../../src/store/cassandra/cassandra-post-store';
import { MongoHintLog } from '../../../src/store/hints/mongo-hint-log';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { Post } from '../../../src/store/post';
import { PostStore } from '../../../src/store/post-store';
import { newId, nowMicros } from '../../../src/store/versions';
import { cli, cliEnvOf } from '../helpers/migration';
import { backfillNow, recordPhases } from '../helpers/phase';
import { StoreModule, storeModule } from '../helpers/store-module';

function post(title: string): Post {
  const createdAt = new Date();
  return {
    id: newId(createdAt),
    title,
    content: `About ${title}`,
    author: 'Gate keeper',
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: nowMicros(),
  };
}

/** A test that runs several CLI commands: each takes 5-10 s to start on a busy 2-core machine. */
const CLI_STORY_MS = 400_000;

/**
 * Every gate refusal of `phase set`, with its reason, changing nothing; then the same step once
 * the condition holds. No app instance runs here (the instance check passes with none; see
 * phase-follow.spec.ts for instances, phase-refusals.spec.ts for the other refusals).
 *
 * Each test sets up the state it starts from (a phase, data, a backfill, a verify) on an emptied
 * database and keyspace, so any one of them runs alone (`-t`) or in any order.
 */
describe('phase set gates (real servers, CLI)', () => {
  let m: StoreModule;
  let env: Record<string, string>;

  beforeAll(async () => {
    m = await storeModule('phase_gates', 'dual-write');
    env = cliEnvOf(m.config);
  });
  afterAll(() => m?.close());

  /**
   * Every test starts here: no phase record (the phase is MIGRATION_PHASE's dual-write), no
   * data, no backfill checkpoint, no verify, no hint, and both stores' schema in place (a test
   * drops MongoDB's collections).
   */
  beforeEach(async () => {
    await m.reset();
    await m.module.get(SchemaService).migrate({ stores: ['mongo', 'cassandra'] });
  });

  /** Data written in dual-write (both stores) before any backfill. */
  async function seed(): Promise<void> {
    const store = m.module.get(PostStore);
    for (let i = 0; i < 5; i++) await store.createPost(post(`Gate ${i}`));
  }

  /** A verify of the phase's stores, in-process (what `phase set` and `migrate verify` run). */
  async function verifyNow(phase: 'dual-write' | 'cassandra-primary'): Promise<void> {
    const { source, target } = directionOf(m.module.get(Replicas), phase);
    const { report } = await m.module
      .get(VerifyService)
      .verify(source, target, { recheckDelayMs: 0 });
    expect(report.differences).toEqual([]);
  }

  const recorded = () => m.module.get(PhaseControl).read();

  /** `phase set`, expected to be refused for `reason`, with the phase record untouched. */
  async function refused(target: string, reason: RegExp, ...flags: string[]): Promise<string> {
    const before = await recorded();
    const run = await cli(env, 'phase', 'set', target, ...flags);
    expect(run.stdout).not.toContain('phase set:');
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^error: phase set ${target} refused \\(`));
    expect(lines[lines.length - 1]).toMatch(reason);
    expect(lines[lines.length - 1]).toMatch(/; nothing changed$/);
    expect(await recorded()).toEqual(before);
    return lines[lines.length - 1];
  }

  async function allowed(target: string, ...flags: string[]) {
    const run = await cli(env, 'phase', 'set', target, ...flags);
    if (run.status !== 0) throw new Error(`phase set ${target} failed: ${run.stderr}`);
    expect((await recorded()).phase).toBe(target);
    return run;
  }

  async function succeeds(...args: string[]) {
    const run = await cli(env, ...args);
    if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stdout}${run.stderr}`);
    return run;
  }

  it(
    'refuses a jump over a phase, and bad arguments, each in one line',
    async () => {
      for (const [args, message] of [
        [
          ['cassandra'],
          /^error: phase dual-write cannot go to cassandra in one step \(next: mongo or cassandra-primary\); nothing changed$/,
        ],
        [
          ['bogus'],
          /^error: phase set takes one of mongo, dual-write, cassandra-primary, cassandra \(got 'bogus'\)$/,
        ],
        [[], /^error: /],
        [['mongo', 'extra'], /^error: phase set <phase> takes no arguments \(got 'extra'\)$/],
        [
          ['mongo', '--wait', 'soon'],
          /^error: --wait must be 0 or a duration like 30s, 2m or 1h \(got 'soon'\)$/,
        ],
      ] as const) {
        const before = await recorded();
        const run = await cli(env, 'phase', 'set', ...args);
        expect({ args, status: run.status, stdout: run.stdout }).toEqual({
          args,
          status: 1,
          stdout: '',
        });
        expect(run.stderr.trim()).toMatch(message);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(await recorded()).toEqual(before);
      }
    },
    CLI_STORY_MS,
  );

  it(
    'dual-write → cassandra-primary: refused until the backfill ran, no hint is pending and verify is clean',
    async () => {
      await seed();
      await refused(
        'cassandra-primary',
        /backfill mongo → cassandra: never run: run `migrate backfill`/,
      );

      await succeeds('migrate', 'backfill');
      const hints = m.module.get(MongoHintLog);
      // a hint left for a record both stores hold: verify is clean, so the gate waits for the
      // hint retry job (not running here) to drain it, up to --wait
      const synced = post('Synced');
      await m.module.get(PostStore).createPost(synced);
      const hintFor = (id: string) => ({
        entity: 'post' as const,
        id,
        postId: id,
        op: 'upsert' as const,
        at: nowMicros(),
        error: 'test',
      });
      await hints.record(hintFor(synced.id));
      const waitedFor = await refused(
        'cassandra-primary',
        /hints: 1 in mongo after waiting \d+ s: /,
        '--wait',
        '2s',
      );
      // it waited the whole --wait (and one more count): a few seconds over on a busy machine
      const waited = Number(/hints: 1 in mongo after waiting (\d+) s/.exec(waitedFor)![1]);
      console.log(`phase-gates | a pending hint held the gate for ${waited} s (--wait 2s)`);
      expect(waited).toBeGreaterThanOrEqual(2);
      expect(waited).toBeLessThan(30);
      await hints.remove((await hints.list(10))[0]);

      const hinted = post('Hinted');
      await m.module.get(MongoPostStore).createPost(hinted); // MongoDB only, as after a missed copy
      await hints.record(hintFor(hinted.id));
      // verify refuses already: no waiting for the hint
      await refused('cassandra-primary', /hints: 1 in mongo: /);

      // the hint is gone but the copy never happened: verify finds it
      await hints.remove((await hints.list(10))[0]);
      await refused(
        'cassandra-primary',
        new RegExp(`verify: 1 difference\\(s\\), e\\.g\\. post ${hinted.id} missing in cassandra`),
      );

      await succeeds('migrate', 'reconcile');
      const run = await allowed('cassandra-primary');
      expect(run.stderr).toMatch(/ok {3}backfill mongo → cassandra: completed/);
      expect(run.stderr).toMatch(/ok {3}verify: clean/);
      expect(run.stdout).toContain('no app instance is running');
    },
    CLI_STORY_MS,
  );

  it('phase show reports each next phase with its checks', async () => {
    // set from dual-write after the backfill; the last verify (as phase set runs it) was clean
    await seed();
    await backfillNow(m.module, 'mongo');
    await recordPhases(m.module, 'cassandra-primary');
    await verifyNow('cassandra-primary');
    const run = await succeeds('phase', 'show');
    expect(run.stdout).toMatch(/^phase: cassandra-primary \(set \S+ by \S+, from dual-write\)$/m);
    expect(run.stdout).toMatch(/^ {2}dual-write: gate open$/m);
    expect(run.stdout).toMatch(/^ {2}cassandra: gate open$/m);
    expect(run.stdout).toMatch(/^ {4}ok {3}verify: last run \S+: clean/m);
  });

  it(
    'cassandra-primary → cassandra and → dual-write: refused while MongoDB differs',
    async () => {
      // in cassandra-primary with both stores in sync: written in dual-write, then the switch
      await seed();
      await backfillNow(m.module, 'mongo');
      await recordPhases(m.module, 'cassandra-primary');
      const onlyCassandra = post('Only in Cassandra');
      await m.module.get(CassandraPostStore).createPost(onlyCassandra);
      const difference = new RegExp(
        `verify: 1 difference\\(s\\), e\\.g\\. post ${onlyCassandra.id} missing in mongo`,
      );
      await refused('cassandra', difference);
      await refused('dual-write', difference);
      await succeeds('migrate', 'reconcile');
      await allowed('cassandra');
    },
    CLI_STORY_MS,
  );

  it(
    'cassandra → cassandra-primary: refused without MongoDB data, then without a reverse backfill',
    async () => {
      // in phase cassandra, reached the usual way, with data; no reverse backfill yet
      await seed();
      await backfillNow(m.module, 'mongo');
      await recordPhases(m.module, 'cassandra-primary', 'cassandra');
      const db = m.module.get<Connection>(getConnectionToken()).db!;
      for (const { name } of await db.listCollections().toArray()) await db.dropCollection(name);
      await refused(
        'cassandra-primary',
        /mongo schema: MongoDB has no blog data: `mongo restore --from FILE`/,
      );

      await succeeds('schema', 'migrate');
      await refused(
        'cassandra-primary',
        /backfill cassandra → mongo: never run: run `migrate backfill --from cassandra`/,
      );

      await succeeds('migrate', 'backfill', '--from', 'cassandra');
      // changed in Cassandra after the reverse backfill: allowed (reconcile catches it later)
      const late = post('Written after the reverse backfill');
      await m.module.get(CassandraPostStore).createPost(late);
      const run = await allowed('cassandra-primary');
      expect(run.stderr).toMatch(
        /ok {3}verify: MongoDB has everything as of the reverse backfill \(1 record\(s\) changed since/,
      );
    },
    CLI_STORY_MS,
  );

  it(
    'a completed backfill from before the phase began does not count',
    async () => {
      // back in cassandra-primary from cassandra after a reverse backfill (started in cassandra)
      await seed();
      await backfillNow(m.module, 'mongo');
      await recordPhases(m.module, 'cassandra-primary', 'cassandra');
      await backfillNow(m.module, 'cassandra');
      await recordPhases(m.module, 'cassandra-primary');
      // back to cassandra by force, then the old reverse backfill is too old for the way back
      const forced = await allowed('cassandra', '--force');
      expect(forced.stderr).toMatch(
        /^WARNING: --force: moving cassandra-primary → cassandra WITHOUT checking its gates/m,
      );
      const shown = await succeeds('phase', 'show');
      expect(shown.stdout).toMatch(
        /^phase: cassandra \(set \S+ by \S+, from cassandra-primary, WITH --force\)$/m,
      );
      await refused(
        'cassandra-primary',
        /backfill cassandra → mongo: the completed one started \S+, before phase cassandra began \S+: run `migrate backfill --from cassandra --restart`/,
      );
    },
    CLI_STORY_MS,
  );
});
