import {
  OUTCOME_UNKNOWN_MESSAGE,
  UNAVAILABLE_MESSAGE,
} from '../../../src/common/errors/app-exception.filter';
import { sleep } from '../../support/http-poll';
import { nodeOutage, restartCluster, startClusterFleet } from '../support/cluster-stack';
import { FaultFleet, REQUEST_BOUND_MS, isWrite, report } from '../support/fault-fleet';

/** load before the kill, how long the two nodes stay dead, load after convergence */
const BEFORE_MS = 5000;
const DEAD_MS = 60_000;
const AFTER_MS = 3000;
/** nodes 2 and 3 die; node 1 (the seed) is left alone, one replica of three */
const KILLED = [2, 3];
/**
 * Until node 1 convicts the dead nodes (gossip's failure detector: 10-25 s after a SIGKILL
 * here), it still sends them their share of each statement and waits for them: a write can time
 * out on the server after node 1 applied it (its outcome genuinely unknown, "may or may not have
 * been saved"). A request started later is refused at once (Unavailable: nothing was saved).
 */
const CONVICTED_MS = 35_000;
/**
 * A request in that window may wait for the server's timeouts and the driver's resends of an
 * idempotent statement (CASSANDRA_NODE_LOSS_RETRY_MS, 30 s by default) on top of its own bound.
 */
const WINDOW_BOUND_MS = REQUEST_BOUND_MS + 30_000;

/**
 * Test 2 of the fault tier: two of the three Cassandra nodes (replication 3) SIGKILLed for a
 * minute under load, then started again with `stack up`, in `dual-write` and in `cassandra`. In
 * dual-write MongoDB (the primary) answers every request and the copies Cassandra refuses are
 * hinted; in cassandra every request answers 503 within its timeouts, a write "nothing was
 * saved" once node 1 knows the others are gone; after the restart everything converges.
 */
describe('fault: two of three Cassandra nodes SIGKILLed (replication 3, two app instances under load)', () => {
  let fleet: FaultFleet;

  beforeAll(async () => {
    fleet = await startClusterFleet('two_killed', 'mongo');
  }, 900_000);

  afterAll(async () => {
    await restartCluster(); // whatever happened: the cluster runs again
    await fleet?.stop();
  }, 600_000);

  it('dual-write: no request fails, the copies are hinted; after the restart the hints drain, every acked write in both stores, verify clean', async () => {
    await fleet.advanceTo('dual-write');
    const start = Date.now();
    fleet.startLoad();
    await sleep(BEFORE_MS);
    const outage = await nodeOutage(fleet, KILLED, DEAD_MS);
    const { convergeMs } = await fleet.settle(AFTER_MS);

    const load = fleet.numbers(start);
    const during = fleet.numbers(outage.killedAt, outage.backAt);
    const check = await fleet.endCheck();
    report('2 two of three nodes killed in dual-write', {
      ...load,
      duringOutage: during,
      hintsPendingAtMost: outage.hintsPendingAtMost,
      restartMs: outage.restartMs,
      convergeMs,
      acked: check.acked,
      verifyClean: check.verify?.clean,
    });
    expect(fleet.failures(start)).toEqual([]);
    expect(during.requests).toBeGreaterThan(DEAD_MS / 1000); // the load really ran meanwhile
    expect(outage.hintsPendingAtMost).toBeGreaterThan(0);
    fleet.expectConverged(check);
  }, 900_000);

  it('cassandra: every request answers 503 within its timeouts, a write "nothing was saved" once the nodes are convicted; after the restart no request fails and everything converges', async () => {
    await fleet.advanceTo('cassandra');
    const start = Date.now();
    fleet.startLoad();
    await sleep(BEFORE_MS);
    let healthMs = 0;
    const outage = await nodeOutage(fleet, KILLED, DEAD_MS, async (killedAt) => {
      healthMs = await fleet.healthTurns(503, killedAt, CONVICTED_MS);
    });
    const { convergeMs, convergedAt } = await fleet.settle(AFTER_MS);

    const { killedAt, restartAt, backAt } = outage;
    const failures = fleet.failures(start);
    const writes = failures.filter(isWrite);
    const refused = writes.filter((r) => r.message === UNAVAILABLE_MESSAGE);
    const inDoubt = writes.filter((r) => r.message === OUTCOME_UNKNOWN_MESSAGE);
    /** requests sent once node 1 had convicted the dead nodes */
    const late = fleet.traffic.requests.filter(
      (r) => r.at - r.ms >= killedAt + CONVICTED_MS && r.at <= restartAt,
    );
    const during = fleet.numbers(killedAt, backAt);
    const after = fleet.numbers(convergedAt);
    const check = await fleet.endCheck();
    report('2 two of three nodes killed in cassandra', {
      ...fleet.numbers(start),
      duringOutage: during,
      failedWritesNothingSaved: refused.length,
      failedWritesOutcomeUnknown: inDoubt.length,
      lastOutcomeUnknownAfterKillMs: Math.max(0, ...inDoubt.map((r) => r.at - killedAt)),
      afterConviction: {
        requests: late.length,
        failed: late.filter((r) => !r.ok).length,
        worstMs: Math.max(0, ...late.map((r) => r.ms)),
      },
      healthTo503Ms: healthMs,
      restartMs: outage.restartMs,
      convergeMs,
      after,
      acked: check.acked,
    });
    // every failure is a 503 (no error page of ours, no hang), answered within the bounds
    expect(failures.filter((r) => r.status !== 503)).toEqual([]);
    expect(during.worstMs).toBeLessThanOrEqual(WINDOW_BOUND_MS);
    expect(Math.max(0, ...late.map((r) => r.ms))).toBeLessThanOrEqual(REQUEST_BOUND_MS);
    // once the dead nodes are convicted every request fails, and a write says nothing was saved
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((r) => r.ok)).toEqual([]);
    expect(late.filter((r) => r.message === OUTCOME_UNKNOWN_MESSAGE)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expect(writes.length).toBe(refused.length + inDoubt.length);
    // back: nothing fails, and what was acknowledged is all there
    expect(after.failed).toBe(0);
    expect(after.requests).toBeGreaterThan(AFTER_MS / 1000);
    fleet.expectConverged(check);
  }, 900_000);
});
