import { MigrationPhase } from '../../../src/config/migration-phase';
import { stackCommand } from '../../integration/helpers/stack-command';
import { sleep } from '../../support/http-poll';
import { TestStores } from '../../support/test-env';
import { faultsClusterStack, faultsClusterStackEnv } from '../../support/test-stack';
import { FaultFleet } from './fault-fleet';

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
    { stores, cassandraProxy: false },
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
