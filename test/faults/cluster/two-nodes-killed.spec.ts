import {
  OUTCOME_UNKNOWN_MESSAGE,
  UNAVAILABLE_MESSAGE,
} from '../../../src/common/errors/app-exception.filter';
import { sleep } from '../../support/http-poll';
import {
  clusterFleet,
  clusterReport,
  expectNoFailedRequest,
  nodeOutage,
} from '../support/cluster-stack';
import { REQUEST_BOUND_MS, isWrite } from '../support/fault-fleet';

/** 5 s of load before the kill, the nodes dead for a minute, 3 s of load after convergence */
const TIMING = { beforeMs: 5000, deadMs: 60_000, afterMs: 3000 };
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
  const fleetOf = clusterFleet('two_killed', 'mongo');

  it('dual-write: no request fails, the copies are hinted; after the restart the hints drain, every acked write in both stores, verify clean', async () => {
    const fleet = fleetOf();
    await fleet.advanceTo('dual-write');
    const test = '2 two of three nodes killed in dual-write';
    const outage = await expectNoFailedRequest(fleet, test, KILLED, TIMING);
    expect(outage.hintsPendingAtMost).toBeGreaterThan(0); // the copies Cassandra refused
  }, 900_000);

  it('cassandra: every request answers 503 within its timeouts, a write "nothing was saved" once the nodes are convicted; after the restart no request fails and everything converges', async () => {
    const fleet = fleetOf();
    await fleet.advanceTo('cassandra');
    const start = Date.now();
    fleet.startLoad();
    await sleep(TIMING.beforeMs);
    let healthMs = 0;
    const outage = await nodeOutage(fleet, KILLED, TIMING.deadMs, async (killedAt) => {
      healthMs = await fleet.healthTurns(503, killedAt, CONVICTED_MS);
    });
    const { convergeMs, convergedAt } = await fleet.settle(TIMING.afterMs);

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
    await clusterReport('2 two of three nodes killed in cassandra', {
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
    expect(after.requests).toBeGreaterThan(TIMING.afterMs / 1000);
    fleet.expectConverged(check);
  }, 900_000);
});
