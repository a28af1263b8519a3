import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { sleep } from '../../../src/common/sleep';
import { PhaseControl } from '../../../src/control/phase-control';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { nextVersion } from '../../../src/store/versions';
import { makePost } from '../store/post-store.contract';
import { cli, cliEnvOf, insertDataset, makeDataset } from '../helpers/migration';
import { StoreModule, storeModule } from '../helpers/store-module';

/**
 * The gates know the history: Cassandra receives every write from the move out of `mongo` on,
 * so a step back to `dual-write` (under load) and forward again needs no new backfill, while a
 * step back to `mongo` (Cassandra no longer written) does. Tried as an operator would, with the
 * CLI, while a writer keeps creating and editing posts in whatever phase the record says.
 */
describe('gates that know the history (real servers, CLI, under writes)', () => {
  let m: StoreModule;
  let env: Record<string, string>;

  beforeAll(async () => {
    m = await storeModule('gates_history', 'mongo', { SECONDARY_WRITE_TIMEOUT_MS: '60000' });
    env = cliEnvOf(m.config);
    const connection = m.module.get<Connection>(getConnectionToken());
    await insertDataset(connection.db!, makeDataset(40, 80)); // MongoDB before the migration
  });
  afterAll(() => m?.close());

  /** Creates and edits posts in the phase the record says until stopped; how many it wrote. */
  function writer() {
    let stop = false;
    let written = 0;
    const done = (async () => {
      const control = m.module.get(PhaseControl);
      const router = m.module.get(PostStoreRouter);
      while (!stop) {
        const store = router.storeFor((await control.read()).phase);
        const post = makePost({ title: `Written meanwhile ${written}` });
        await store.createPost(post);
        await store.updatePost(
          { ...post, title: `Edited ${written}`, version: nextVersion(post.version) },
          post,
        );
        written++;
        await sleep(50);
      }
    })();
    return {
      stop: async () => {
        stop = true;
        await done;
        return written;
      },
    };
  }

  async function phaseSet(target: string) {
    const load = writer();
    const run = await cli(env, 'phase', 'set', target, '--wait', '30s');
    const written = await load.stop();
    console.log(`phase set ${target}: exit ${run.status}, ${written} post(s) written meanwhile`);
    return run;
  }

  async function succeeds(...args: string[]) {
    const run = await cli(env, ...args);
    if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stdout}${run.stderr}`);
    return run;
  }

  it('forward, back to dual-write under load, forward again: no new backfill; back to mongo: a new one', async () => {
    expect((await phaseSet('dual-write')).status).toBe(0);
    await succeeds('migrate', 'backfill');
    const first = await phaseSet('cassandra-primary');
    expect(first.status).toBe(0);

    // back, then forward again: Cassandra kept receiving every write all along
    expect((await phaseSet('dual-write')).status).toBe(0);
    const again = await phaseSet('cassandra-primary');
    expect(again.stderr).toMatch(/ok {3}backfill mongo → cassandra: completed /);
    expect(again.stderr).toMatch(/ok {3}verify: clean/); // the verify still runs
    expect(again.status).toBe(0);
    expect((await m.module.get(PhaseControl).read()).record?.history?.map((s) => s.to)).toEqual([
      'dual-write',
      'cassandra-primary',
      'dual-write',
      'cassandra-primary',
    ]);

    // back to mongo: Cassandra is no longer written, so that backfill no longer counts
    expect((await phaseSet('dual-write')).status).toBe(0);
    expect((await phaseSet('mongo')).status).toBe(0);
    expect((await phaseSet('dual-write')).status).toBe(0);
    const refused = await phaseSet('cassandra-primary');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /FAIL backfill mongo → cassandra: the completed one started \S+, before Cassandra began receiving every write \(phase dual-write was set\) \(\S+\): run `migrate backfill --restart`/,
    );
    expect((await m.module.get(PhaseControl).read()).phase).toBe('dual-write');

    await succeeds('migrate', 'backfill', '--restart');
    expect((await phaseSet('cassandra-primary')).status).toBe(0);
  });
});
