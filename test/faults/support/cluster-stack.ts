import { MigrationPhase } from '../../../src/config/migration-phase';
import { stackCommand } from '../../integration/helpers/stack-command';
import { sleep } from '../../support/http-poll';
import { TestStores } from '../../support/test-env';
import { faultsClusterStack, faultsClusterStackEnv } from '../../support/test-stack';
import { FaultFleet } from './fault-fleet';
import { report } from './fault-report';

let started: Promise<TestStores> | undefined;

/**
 * The fault tier's three-node cluster stack (FAULTS_CLUSTER_STACK_*), started by the first
 * cluster test that asks for it (the single-node tests never pay for it) and stopped by the
 * tier's global teardown unless it ran before or TEST_KEEP_STACK=1. `up` is a no-op for what
 * already runs, and starts whatever an earlier test left down. The stores the fleet uses:
 * the cluster's FerretDB and its three nodes as contact points.
 */
export function clusterStores(): Promise<TestStores> {
  started ??= (async () => {
    const stack = faultsClusterStack();
    const from = Date.now();
    const reports = await stack.up();
    const what = reports.map((r) => `${r.server} ${r.action}`).join(', ');
    console.log(
      `fault cluster stack (${stack.settings.dir}): ${what} in ${((Date.now() - from) / 1000).toFixed(1)} s`,
    );
    return {
      mongoUrl: `mongodb://${stack.settings.host}:${stack.settings.mongoPort}`,
      cassandraContactPoints: stack.contactPoints().join(','),
      cassandraLocalDc: 'datacenter1',
    };
  })();
  const pending = started;
  // a failed start is tried again by the next test
  pending.catch(() => {
    if (started === pending) started = undefined;
  });
  return pending;
}

/** `npm run stack -- <args>` on the cluster stack; resolves with the time it finished. */
export function clusterStackCommand(...args: string[]): Promise<number> {
  return stackCommand(args, faultsClusterStackEnv());
}

/** SIGKILLs Cassandra node `node` of the cluster (`stack kill cassandra --node N`); the time. */
export function killNode(node: number): Promise<number> {
  return clusterStackCommand('kill', 'cassandra', '--node', String(node));
}

/** Restarts whatever of the cluster is down (`stack up`); how long it took until it answered. */
export async function restartCluster(): Promise<number> {
  const from = Date.now();
  await clusterStackCommand('up');
  return Date.now() - from;
}

/** report() of a cluster test: the cluster stack's MongoDB stand-in is the one recorded. */
export function clusterReport(test: string, numbers: Record<string, unknown>): Promise<void> {
  return report(test, numbers, faultsClusterStack());
}

/** Replication 3: every node holds every record, LOCAL_QUORUM needs two of the three. */
export const CLUSTER_ENV = { CASSANDRA_REPLICATION: '3' };

/**
 * A fleet on the cluster (started first if need be): two instances reaching MongoDB through
 * their proxies and the three Cassandra nodes straight (cassandraProxy false: a killed node is
 * gone for them), keyspace with replication 3.
 */
export async function startClusterFleet(
  name: string,
  phase: MigrationPhase,
  overrides: Record<string, string> = {},
): Promise<FaultFleet> {
  const stores = await clusterStores();
  return FaultFleet.start(
    name,
    phase,
    { ...CLUSTER_ENV, ...overrides },
    { stores, cassandraProxy: false, keepKeyspace: true },
  );
}

/** When the nodes died, when `stack up` was asked and answered, the hints seen meanwhile. */
export interface NodeOutage {
  killedAt: number;
  /** when `stack up` was run (the nodes were all dead until then) */
  restartAt: number;
  restartMs: number;
  backAt: number;
  /** the most hints an instance had pending while the nodes were down */
  hintsPendingAtMost: number;
}

/**
 * SIGKILLs the Cassandra `nodes` of the cluster under the fleet's load, keeps them dead for
 * `deadMs` (sampling the hints pending every second; `during` runs meanwhile, e.g. a check of
 * the answers), then starts them again with `stack up` and returns once they answer.
 */
export async function nodeOutage(
  fleet: FaultFleet,
  nodes: number[],
  deadMs: number,
  during?: (killedAt: number) => Promise<unknown>,
): Promise<NodeOutage> {
  const killedAt = Math.min(...(await Promise.all(nodes.map((node) => killNode(node)))));
  const watching = during?.(killedAt);
  watching?.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  let hintsPendingAtMost = 0;
  while (Date.now() - killedAt < deadMs) {
    await sleep(Math.min(1000, Math.max(0, killedAt + deadMs - Date.now())));
    hintsPendingAtMost = Math.max(hintsPendingAtMost, await fleet.pendingHints());
  }
  await watching;
  const restartAt = Date.now();
  const restartMs = await restartCluster();
  return { killedAt, restartAt, restartMs, backAt: Date.now(), hintsPendingAtMost };
}

/**
 * A cluster test file's fleet: started before its tests (then `prepare`d, e.g. seeded), stopped
 * after them, once `stack up` has started whatever a failed test left dead. Returns the fleet
 * for the tests to use.
 */
export function clusterFleet(
  name: string,
  phase: MigrationPhase,
  prepare?: (fleet: FaultFleet) => Promise<void>,
): () => FaultFleet {
  let fleet: FaultFleet | undefined;
  beforeAll(async () => {
    fleet = await startClusterFleet(name, phase);
    await prepare?.(fleet);
  }, 900_000);
  afterAll(async () => {
    await restartCluster();
    await fleet?.stop();
  }, 600_000);
  return () => {
    if (!fleet) throw new Error(`${name}: the fleet did not start`);
    return fleet;
  };
}

/** Load before a kill, how long the nodes stay dead, load after convergence (ms). */
export interface OutageTiming {
  beforeMs: number;
  deadMs: number;
  afterMs: number;
}

/**
 * The cluster tests' run when the nodes left can serve everything: the load starts, `nodes`
 * are killed for `deadMs` and restarted (nodeOutage), the fleet converges; one report line as
 * `test`; asserted: no request failed from the start of the load to its end, the load ran
 * meanwhile, and the end check (every acknowledged write in every store the phase keeps, verify
 * clean). Returns the outage for the test's own checks.
 */
export async function expectNoFailedRequest(
  fleet: FaultFleet,
  test: string,
  nodes: number[],
  { beforeMs, deadMs, afterMs }: OutageTiming,
): Promise<NodeOutage> {
  const from = Date.now();
  fleet.startLoad();
  await sleep(beforeMs);
  const outage = await nodeOutage(fleet, nodes, deadMs);
  const { convergeMs } = await fleet.settle(afterMs);

  const during = fleet.numbers(outage.killedAt, outage.backAt);
  const check = await fleet.endCheck();
  await clusterReport(test, {
    ...fleet.numbers(from),
    duringOutage: during,
    hintsPendingAtMost: outage.hintsPendingAtMost,
    restartMs: outage.restartMs,
    convergeMs,
    acked: check.acked,
    verifyClean: check.verify?.clean,
  });
  expect(fleet.failures(from)).toEqual([]);
  expect(during.requests).toBeGreaterThan(deadMs / 1000); // the load really ran meanwhile
  fleet.expectConverged(check);
  return outage;
}
