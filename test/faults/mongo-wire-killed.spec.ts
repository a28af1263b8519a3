import { stackCommand, requireManagedStack } from '../integration/helpers/stack-command';
import { sleep } from '../support/http-poll';
import { testStack } from '../support/test-stack';
import { FaultFleet } from './support/fault-fleet';
import { report } from './support/fault-report';

/** load before the kill, and how long the server stays dead under it */
const BEFORE_MS = 5000;
const DEAD_MS = 15_000;

/**
 * Test 3 of the fault tier: in `cassandra-primary` the MongoDB-wire server (FerretDB, the
 * secondary) is SIGKILLed mid-load and started again 15 s later with `stack up`. No request
 * fails (Cassandra answers every one), the copies MongoDB missed are hinted in Cassandra, and
 * the hint retry copies them once it is back.
 */
describe('fault: the MongoDB-wire server SIGKILLed in cassandra-primary (two app instances under load)', () => {
  let fleet: FaultFleet;

  beforeAll(async () => {
    requireManagedStack('this test kills the fault stack’s FerretDB');
    fleet = await FaultFleet.start('wire_killed', 'cassandra-primary');
  }, 180_000);

  afterAll(async () => {
    await stackCommand(['up']); // whatever happened: the stack runs again
    await fleet?.stop();
  }, 180_000);

  it('no request fails, the copies are hinted, and drained after the restart; every acked write in both stores, verify clean', async () => {
    fleet.startLoad();
    await sleep(BEFORE_MS);
    const ferretdb = (await testStack().status()).find((s) => s.name === 'ferretdb');
    if (!ferretdb?.pid) throw new Error('FerretDB of the fault stack is not running');
    const killedAt = Date.now();
    process.kill(ferretdb.pid, 'SIGKILL');

    // hints pile up in Cassandra while MongoDB is gone
    let maxPending = 0;
    while (Date.now() - killedAt < DEAD_MS) {
      await sleep(1000);
      const stats = (await (await fetch(`${fleet.instances[0].app.url}/api/stats`)).json()) as {
        pending_hints: number | null;
      };
      maxPending = Math.max(maxPending, stats.pending_hints ?? 0);
    }
    const restartFrom = Date.now();
    await stackCommand(['up', 'ferretdb']);
    const backAt = Date.now();
    // under the load still: the hint retry copies what MongoDB missed
    const convergeMs = await fleet.converge();
    await sleep(2000);
    await fleet.stopLoad();
    await fleet.converge();

    const load = fleet.numbers();
    const during = fleet.numbers(killedAt, backAt);
    const check = await fleet.endCheck();
    await report('3 mongo-wire server killed in cassandra-primary', {
      ...load,
      duringOutage: during,
      hintsPendingAtMost: maxPending,
      restartMs: backAt - restartFrom,
      convergeMs,
      acked: check.acked,
      verifyClean: check.verify?.clean,
    });
    expect(fleet.traffic.unexpected).toEqual([]);
    expect(load.failed).toBe(0);
    expect(during.requests).toBeGreaterThan(DEAD_MS / 1000); // the load really ran meanwhile
    expect(fleet.traffic.stale).toEqual([]);
    expect(maxPending).toBeGreaterThan(0);
    expect(check.differences).toEqual([]);
    if (!check.verify?.clean) throw new Error(`verify not clean:\n${check.verify?.output}`);
  }, 300_000);
});
