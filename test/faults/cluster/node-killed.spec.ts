import { MIGRATION_PHASES, MigrationPhase } from '../../../src/config/migration-phase';
import { clusterFleet, expectNoFailedRequest } from '../support/cluster-stack';

/** 5 s of load before the kill, the node dead for a minute, 3 s of load after convergence */
const TIMING = { beforeMs: 5000, deadMs: 60_000, afterMs: 3000 };
/** the node killed in each phase: each of the three in turn, node 1 (the seed) among them */
const NODE_OF: Record<MigrationPhase, number> = {
  mongo: 2,
  'dual-write': 3,
  'cassandra-primary': 1,
  cassandra: 2,
};
const CASES = MIGRATION_PHASES.map((phase) => [phase, NODE_OF[phase]] as const);

/**
 * Test 1 of the fault tier: one fleet walked through the four phases on the three-node cluster
 * (replication 3, the app straight at the nodes); in each phase one Cassandra node is SIGKILLed
 * under load (`stack kill cassandra --node N`) and started again a minute later (`stack up`).
 * Two replicas of three still answer LOCAL_QUORUM: no request fails (in `mongo` Cassandra is
 * unused and the test shows it), and once the node is back everything converges: hints drained,
 * every acknowledged write in every store the phase keeps, verify clean.
 */
describe('fault: a Cassandra node of three SIGKILLed and restarted in each phase (two app instances under load)', () => {
  const fleetOf = clusterFleet('node_killed', 'mongo');

  it.each(CASES)(
    '%s: node %d SIGKILLed mid-load and restarted a minute later: no request fails; everything converges',
    async (phase, node) => {
      const fleet = fleetOf();
      await fleet.advanceTo(phase);
      await expectNoFailedRequest(fleet, `1 node ${node} killed in ${phase}`, [node], TIMING);
    },
    900_000,
  );
});
