import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { BackfillCheckpoint, backfillName } from '../../../src/migration/backfill/backfill.service';
import { MigrationState } from '../../../src/control/migration-state';
import { PhaseControl } from '../../../src/control/phase-control';
import { SchemaService } from '../../../src/schema/schema.service';
import { PostDocument, toPostDocument } from '../../../src/store/mongo/mongo-documents';
import { Post } from '../../../src/store/post';
import { PostStore } from '../../../src/store/post-store';
import { newId, nowMicros } from '../../../src/store/versions';
import { cli, cliEnvOf } from '../helpers/migration';
import { migrationVersions } from '../helpers/migrations';
import { backfillNow, ghostInstance, recordPhases, reportInstance } from '../helpers/phase';
import { StoreModule, storeModule } from '../helpers/store-module';
import { withCassandra } from '../helpers/stores';

/** A test that runs the CLI: it takes 5-10 s to start on a busy 2-core machine. */
const CLI_MS = 200_000;

function post(title: string): Post {
  const createdAt = new Date();
  return {
    id: newId(createdAt),
    title,
    content: `About ${title}`,
    author: 'Refused',
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: nowMicros(),
  };
}

/**
 * Each way `phase set` says no (or does less than asked) that phase-gates.spec.ts does not
 * cover, one CLI run each: the exit code, the one-line reason (the last line on stderr) and the
 * phase record as it was. Every test sets up its own state on an emptied database and keyspace,
 * so any one runs alone (`-t`) or in any order. No app instance runs: an instance that does not
 * follow is a report written as its phase follower would write it.
 */
describe('phase set refusals, one CLI run each (real servers)', () => {
  let m: StoreModule;
  let env: Record<string, string>;

  beforeAll(async () => {
    m = await storeModule('phase_refusals', 'dual-write');
    env = cliEnvOf(m.config);
  });
  afterAll(() => m?.close());

  /**
   * No phase record (the phase is MIGRATION_PHASE's dual-write), no data, no checkpoint, no
   * instance report, and both stores' schema complete (a test takes a migration away).
   */
  beforeEach(async () => {
    await m.reset();
    await m.module.get(SchemaService).migrate({ stores: ['mongo', 'cassandra'] });
  });

  const recorded = () => m.module.get(PhaseControl).read();
  const mongoDb = () => m.module.get<Connection>(getConnectionToken()).db!;

  /** Three posts written in dual-write (both stores). */
  async function seed(): Promise<Post[]> {
    const posts = [post('First'), post('Second'), post('Third')];
    for (const each of posts) await m.module.get(PostStore).createPost(each);
    return posts;
  }

  /** In phase cassandra after the usual way there, with the data copied back to MongoDB. */
  async function inCassandraAfterReverseBackfill(): Promise<Post[]> {
    const posts = await seed();
    await backfillNow(m.module, 'mongo');
    await recordPhases(m.module, 'cassandra-primary', 'cassandra');
    await backfillNow(m.module, 'cassandra'); // started after phase cassandra began
    return posts;
  }

  /** `phase set <args>`: exit 1, `error: <reason>` as the last line, the record unchanged. */
  async function refused(args: string[], reason: string, runEnv = env) {
    const before = await recorded();
    const run = await cli(runEnv, 'phase', 'set', ...args);
    const lines = run.stderr.trim().split('\n');
    expect({ status: run.status, last: lines[lines.length - 1] }).toEqual({
      status: 1,
      last: `error: ${reason}`,
    });
    expect(run.stdout).toBe('');
    expect(await recorded()).toEqual(before);
    return run;
  }

  it(
    "gate: instances that do not serve the phase yet (another phase, or still draining the last one's writes)",
    async () => {
      await seed();
      await backfillNow(m.module, 'mongo'); // the rest of the gate holds
      await reportInstance(m.module, ghostInstance('mongo', { id: 'ghost-a', host: 'ghost-a' }));
      await reportInstance(
        m.module,
        ghostInstance('dual-write', { id: 'ghost-b', host: 'ghost-b', pid: 4343, draining: 2 }),
      );
      const run = await refused(
        ['cassandra-primary'],
        'phase set cassandra-primary refused (instances: 2 of 2 instance(s) do not serve dual-write yet: ghost-a:4000 (pid 4242) serves mongo; ghost-b:4000 (pid 4343) serves dual-write, 2 write(s) still running on the previous phase); nothing changed',
      );
      expect(run.stderr).toMatch(/^ {4}FAIL instances: 2 of 2 instance\(s\)/m);
      expect(run.stderr).toMatch(/^ {4}ok {3}backfill mongo → cassandra: completed/m);
      expect(run.stderr).toMatch(/^ {4}ok {3}verify: clean/m);
    },
    CLI_MS,
  );

  it(
    'gate: a backfill that has not finished',
    async () => {
      const posts = await seed();
      // saved mid-way, as by a run killed while copying comments
      const name = backfillName('mongo', 'cassandra');
      const at = new Date().toISOString();
      const midway: BackfillCheckpoint = {
        source: 'mongo',
        target: 'cassandra',
        stage: 'comments',
        posts: posts.length,
        comments: 0,
        started_at: at,
        updated_at: at,
        seconds: 0.2,
        runs: 1,
      };
      const state = m.module.get(MigrationState);
      await state.put(name, midway);
      const run = await refused(
        ['cassandra-primary'],
        'phase set cassandra-primary refused (backfill mongo → cassandra: not finished (at comments, 3 records copied): run `migrate backfill` to resume it); nothing changed',
      );
      expect(run.stderr).toMatch(/^ {4}ok {3}verify: clean/m);
      expect(await state.get(name)).toEqual(midway);
    },
    CLI_MS,
  );

  it(
    'gate: MongoDB has no blog data (cassandra → cassandra-primary)',
    async () => {
      await seed();
      await backfillNow(m.module, 'mongo');
      await recordPhases(m.module, 'cassandra-primary', 'cassandra');
      const db = mongoDb();
      for (const { name } of await db.listCollections().toArray()) await db.dropCollection(name);
      await refused(
        ['cassandra-primary'],
        'phase set cassandra-primary refused (mongo schema: MongoDB has no blog data: `mongo restore --from FILE` (or `schema migrate`); backfill cassandra → mongo: never run: run `migrate backfill --from cassandra`); nothing changed',
      );
      expect(await db.listCollections().toArray()).toEqual([]);
    },
    CLI_MS,
  );

  it(
    'gate: a MongoDB schema migration pending (cassandra → cassandra-primary)',
    async () => {
      await inCassandraAfterReverseBackfill();
      const last = migrationVersions('mongo').at(-1)!;
      await mongoDb().collection<{ _id: string }>('schema_migrations').deleteOne({ _id: last });
      const pending = async () =>
        (await m.module.get(SchemaService).status(['mongo']))[0].pending.map((f) => f.version);
      expect(await pending()).toEqual([last]);
      const run = await refused(
        ['cassandra-primary'],
        'phase set cassandra-primary refused (mongo schema: 1 migration(s) pending: run `schema migrate`); nothing changed',
      );
      expect(run.stderr).toMatch(/^ {4}ok {3}backfill cassandra → mongo: completed/m);
      expect(await pending()).toEqual([last]); // not applied behind the operator's back
    },
    CLI_MS,
  );

  it(
    'gate: verify finds MongoDB behind on a record older than the reverse backfill',
    async () => {
      const [tampered] = await inCassandraAfterReverseBackfill();
      // changed in MongoDB by hand (a whole, consistent document): Cassandra's version of it
      // is older than the reverse backfill, so the backfill should have made them equal
      const posts = mongoDb().collection<PostDocument>('posts');
      await posts.replaceOne(
        { _id: tampered.id },
        toPostDocument({ ...tampered, content: 'Changed by hand' }),
      );
      const run = await refused(
        ['cassandra-primary'],
        `phase set cassandra-primary refused (verify: 1 record(s) older than the reverse backfill differ, e.g. post ${tampered.id} different in mongo: run \`migrate backfill --from cassandra --restart\`); nothing changed`,
      );
      expect(run.stderr).toMatch(/^ {4}ok {3}mongo schema: /m);
      expect(run.stderr).toMatch(/^ {4}ok {3}backfill cassandra → mongo: completed/m);
      expect((await posts.findOne({ _id: tampered.id }))?.content).toBe('Changed by hand');
    },
    CLI_MS,
  );

  it(
    'already in the phase: nothing to do, exit 0 (with and without a phase record)',
    async () => {
      const fromEnv = await recorded();
      expect(fromEnv.record).toBeUndefined();
      const again = await cli(env, 'phase', 'set', 'dual-write');
      expect(again).toEqual({
        status: 0,
        signal: null,
        stdout: 'phase is already dual-write; nothing changed\n',
        stderr: '',
      });
      expect(await recorded()).toEqual(fromEnv);

      await recordPhases(m.module, 'cassandra-primary');
      const before = await recorded();
      const run = await cli(env, 'phase', 'set', 'cassandra-primary');
      expect(run).toEqual({
        status: 0,
        signal: null,
        stdout: 'phase is already cassandra-primary; nothing changed\n',
        stderr: '',
      });
      expect(await recorded()).toEqual(before);
    },
    CLI_MS,
  );

  it(
    '--wait 0: the record is written, and an instance that has not followed yet is only named',
    async () => {
      await reportInstance(m.module, ghostInstance('dual-write'));
      const run = await cli(env, 'phase', 'set', 'mongo', '--wait', '0');
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('checking the gate dual-write → mongo...\n');
      expect(run.stdout).toMatch(
        /^phase set: dual-write → mongo \(version \d+\)\nnot waiting: 1 of 1 instance\(s\) still to follow\n$/,
      );
      const now = await recorded();
      expect(now).toMatchObject({
        phase: 'mongo',
        record: { phase: 'mongo', previous: 'dual-write', forced: false },
      });
      expect(run.stdout).toContain(`(version ${now.record!.version})`);
    },
    CLI_MS,
  );
});

/**
 * In production `phase set` does not apply schema migrations (as the app does not at start):
 * moving to a phase whose store has none applied is refused, naming the command to run.
 */
describe('phase set in production refuses a store whose schema is pending (real servers)', () => {
  let m: StoreModule;

  beforeAll(async () => {
    // phase mongo: MongoDB migrated, Cassandra never touched (no keyspace)
    m = await storeModule('phase_refusals_prod', 'mongo');
  });
  afterAll(async () => {
    await withCassandra(m.config, (client) =>
      client.execute(`DROP KEYSPACE IF EXISTS ${m.config.cassandraKeyspace}`),
    );
    await m?.close();
  });

  const keyspaces = () =>
    withCassandra(m.config, async (client) =>
      (
        await client.execute(
          'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
          [m.config.cassandraKeyspace],
          { prepare: true },
        )
      ).rows.map((row) => row.get('keyspace_name') as string),
    );

  it(
    'mongo → dual-write with Cassandra unmigrated: exit 1, names `schema migrate --store cassandra`',
    async () => {
      const control = m.module.get(PhaseControl);
      const before = await control.read();
      expect(before).toEqual({ phase: 'mongo', record: undefined });
      const pending = migrationVersions('cassandra').length;
      const run = await cli(
        // production requires SESSION_SECRET (every command, before anything else)
        { ...cliEnvOf(m.config), NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32) },
        'phase',
        'set',
        'dual-write',
      );
      const lines = run.stderr.trim().split('\n');
      expect({ status: run.status, last: lines[lines.length - 1] }).toEqual({
        status: 1,
        last: `error: phase dual-write needs schema migrations that are pending (cassandra: ${pending}): run \`npm run cli -- schema migrate --store cassandra\` first; nothing changed`,
      });
      expect(run.stdout).toBe('');
      expect(await control.read()).toEqual(before);
      expect(await keyspaces()).toEqual([]); // nothing was created
    },
    CLI_MS,
  );
});
