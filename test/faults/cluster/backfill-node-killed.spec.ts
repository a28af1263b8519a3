import { types } from 'cassandra-driver';
import {
  BlogCheckpoint,
  CliProcess,
  cliEnvOf,
  insertDataset,
  makeDataset,
  readCheckpoint,
  startCli,
} from '../../integration/helpers/migration';
import { withCassandra, withMongo } from '../../integration/helpers/stores';
import { sleep } from '../../support/http-poll';
import { clusterFleet, clusterReport, killNode, restartCluster } from '../support/cluster-stack';

/**
 * MongoDB's records before dual-write, copied by the backfill at BACKFILL_RATE records/s (about
 * a minute). Kept small: FerretDB (the primary here) scans a collection for every read the load
 * makes of it, and with 4 000 records, three Cassandra nodes and the backfill on this 2-core
 * machine it let a few requests wait past the 5 s driver timeout.
 */
const POSTS = 500;
const COMMENTS = 1500;
const BACKFILL_RATE = 35;
/** the node killed (the first contact point, a replica of every record), once this much is copied */
const KILLED = 1;
const KILL_AFTER_RECORDS = 400;
/** how long it stays dead, the backfill going on meanwhile; load after convergence */
const DEAD_MS = 30_000;
const AFTER_MS = 3000;
/** runs in all: the first, and the ones that resume from the checkpoint if it stopped */
const MAX_RUNS = 3;

/** Records the checkpoint says were written (posts, comments, deletions). */
const copied = (checkpoint?: BlogCheckpoint) =>
  checkpoint ? checkpoint.posts + checkpoint.comments : 0;

/**
 * Test 6 of the fault tier: `migrate backfill` (the CLI, 2 000 records at 35 records/s) in
 * `dual-write` under the fleet's load, on the three-node cluster (replication 3); once it has
 * copied 400 records Cassandra node 1 is SIGKILLed, and 30 s later started again with `stack
 * up`. The backfill goes on (two replicas of three answer LOCAL_QUORUM; a page that fails is
 * written again) or, if it stops, a new run resumes from its checkpoint; it ends done. The load
 * (MongoDB's in dual-write, on the seeded posts too) fails no request but with a 503; every
 * acknowledged write, and every seeded record with its last content, is in both
 * stores and verify is clean (after a reconcile of writes in doubt, if a 503 left any).
 */
describe('fault: the backfill’s Cassandra node SIGKILLed mid-copy (3 nodes, replication 3)', () => {
  /** written straight into MongoDB before the load, which then edits and deletes them too */
  const dataset = makeDataset(POSTS, COMMENTS);
  const fleetOf = clusterFleet('backfill_killed', 'mongo', async (fleet) => {
    await withMongo(fleet.direct, (db) => insertDataset(db, dataset));
    await fleet.setPhase('dual-write');
  });
  let running: CliProcess | undefined;

  afterAll(() => {
    running?.child.kill('SIGKILL');
  });

  it('the backfill goes on or resumes and ends done; every acked write in both stores, verify clean', async () => {
    const fleet = fleetOf();
    const env = cliEnvOf(fleet.direct);
    // at a quorum, as the backfill itself reads it: node 1, back from the dead, may still be
    // waiting for the hints of the checkpoints written meanwhile (CI read a stale stage at ONE)
    const checkpoint = () =>
      withCassandra(
        fleet.direct,
        (client) => readCheckpoint(client, fleet.direct.cassandraKeyspace),
        types.consistencies.localQuorum,
      );
    fleet.startLoad(dataset);
    const from = Date.now();
    const runs: { status: number | null; ms: number; output: string }[] = [];
    running = startCli(env, 'migrate', 'backfill', '--rate', String(BACKFILL_RATE));
    let firstEnded = false;
    void running.done.then(() => (firstEnded = true));

    while (copied(await checkpoint()) < KILL_AFTER_RECORDS) {
      if (firstEnded) throw new Error('the backfill ended before the kill');
      await sleep(250);
    }
    const copiedAtKill = copied(await checkpoint());
    const killedAt = await killNode(KILLED);
    const midCopy = !firstEnded;
    await sleep(Math.max(0, killedAt + DEAD_MS - Date.now()));
    const restartMs = await restartCluster();
    const backAt = Date.now();

    // the first run to its end, then new runs from the checkpoint while it is not done
    let started = from;
    while (running) {
      const run = await running.done;
      runs.push({
        status: run.status,
        ms: Date.now() - started,
        output: `${run.stdout}${run.stderr}`.slice(-3000),
      });
      running = undefined;
      if (run.status !== 0 && runs.length < MAX_RUNS) {
        started = Date.now();
        running = startCli(env, 'migrate', 'backfill', '--rate', String(BACKFILL_RATE));
      }
    }
    const backfillMs = Date.now() - from;
    const { convergeMs } = await fleet.settle(AFTER_MS);

    const load = fleet.numbers(from);
    const done = await checkpoint();
    const retries = runs.flatMap((r) => r.output.match(/try \d+ of \d+/g) ?? []).length;
    const failures = fleet.failures(from);
    const { check, inDoubt, unexplained, reconcile } = await fleet.endCheckRepaired();
    const seededTouched = [...fleet.traffic.posts.values()].filter(
      (p) => p.preexisting && p.touched,
    ).length;
    await clusterReport('6 backfill node killed mid-copy', {
      ...load,
      duringOutage: fleet.numbers(killedAt, backAt),
      records: POSTS + COMMENTS,
      copiedAtKill,
      seededTouched,
      wentOn: runs[0]?.status === 0,
      runs: runs.map(({ status, ms }) => ({ status, ms })),
      pageRetries: retries,
      backfillMs,
      restartMs,
      convergeMs,
      acked: check.acked,
      verifyDifferingRecords: inDoubt,
      reconcile,
      verifyClean: check.verify?.clean,
    });
    const last = runs.at(-1);
    if (last?.status !== 0) throw new Error(`the backfill did not finish:\n${last?.output}`);
    expect(done?.stage).toBe('done');
    expect(midCopy).toBe(true);
    expect(copiedAtKill).toBeLessThan(POSTS + COMMENTS);
    expect(seededTouched).toBeGreaterThan(0); // the load raced the backfill on what it copies
    // the load is MongoDB's in dual-write: a request fails only as a 503 (MongoDB too slow to
    // answer on the busy machine), and verify names no record but those of such writes
    expect(failures.filter((r) => r.status !== 503)).toEqual([]);
    expect(unexplained).toEqual([]);
    fleet.expectConverged(check);
  }, 900_000);
});
