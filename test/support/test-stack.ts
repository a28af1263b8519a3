import { Stack } from '../../scripts/stack/stack';
import { loadStackSettings } from '../../scripts/stack/stack-settings';

/** The settings a stack of the tests takes from `<PREFIX>_STACK_<NAME>` variables. */
const NAMES = [
  'DIR',
  'CASSANDRA_PORT',
  'CASSANDRA_STORAGE_PORT',
  'MONGO_PORT',
  'POSTGRES_PORT',
] as const;
type StackDefaults = Record<(typeof NAMES)[number], string>;

/** `<from>_<NAME>` of the environment (else the default) for each name, as `<to>_<NAME>`. */
function stackVariables(from: string, to: string, defaults: StackDefaults) {
  return Object.fromEntries(
    NAMES.map((name) => [`${to}_${name}`, process.env[`${from}_${name}`] || defaults[name]]),
  );
}

/**
 * The integration tier's own stack: its own data folder and ports, so `npm test` never touches a
 * developer's running stack and may stop its servers on purpose. Ports stay below the kernel's
 * ephemeral range (32768+), where a client socket could take them.
 */
export function testStackEnv(): Record<string, string> {
  return stackVariables('TEST_STACK', 'STACK', {
    DIR: '.stack-test',
    CASSANDRA_PORT: '19042',
    CASSANDRA_STORAGE_PORT: '17000',
    MONGO_PORT: '27018',
    POSTGRES_PORT: '5434',
  });
}

/**
 * The fault tier's stack (jest.faults.config.js): a data folder and ports of its own again, so it
 * may kill servers while `npm test`'s stack or a developer's runs. Given as the TEST_STACK_*
 * variables the shared global setup and teardown, and stackCommand, read.
 */
export function faultsStackEnv(): Record<string, string> {
  return stackVariables('FAULTS_STACK', 'TEST_STACK', {
    DIR: '.stack-faults',
    CASSANDRA_PORT: '19052',
    CASSANDRA_STORAGE_PORT: '17050',
    MONGO_PORT: '27052',
    POSTGRES_PORT: '5435',
  });
}

/**
 * The fault tier's three-node cluster (test/faults/cluster): a stack of its own again, as STACK_*
 * variables (FAULTS_CLUSTER_STACK_DIR, default .stack-faults-cluster; ports
 * FAULTS_CLUSTER_STACK_CASSANDRA_PORT / _CASSANDRA_STORAGE_PORT / _MONGO_PORT, default 19082 /
 * 17080 / 27082). Node N listens on 127.0.0.N.
 */
export function faultsClusterStackEnv(): Record<string, string> {
  return {
    ...stackVariables('FAULTS_CLUSTER_STACK', 'STACK', {
      DIR: '.stack-faults-cluster',
      CASSANDRA_PORT: '19082',
      CASSANDRA_STORAGE_PORT: '17080',
      MONGO_PORT: '27082',
      POSTGRES_PORT: '5436',
    }),
    STACK_CASSANDRA_NODES: '3',
    // a killed node's restart on the busy shared machine took more than the default 180 s
    STACK_READY_TIMEOUT_S: process.env.FAULTS_CLUSTER_STACK_READY_TIMEOUT_S || '600',
  };
}

/** Set by the fault tier's global setup when the cluster already ran before the run. */
export const CLUSTER_RAN_BEFORE = 'FAULTS_CLUSTER_STACK_RAN_BEFORE';

/** The fault tier's cluster stack (three Cassandra nodes and a FerretDB). */
export function faultsClusterStack(): Stack {
  return new Stack(loadStackSettings({ ...process.env, ...faultsClusterStackEnv() }));
}

/**
 * bench:scale's stack: a data folder that survives its runs (the keyspaces of 1M posts are seeded
 * once and a cut seed resumes) and ports of its own, away from the test tiers' stacks. Each of
 * `SCALE_STACK_<NAME>`, else `TEST_STACK_<NAME>` (what chose this stack before), else the default;
 * given as the TEST_STACK_* variables testStack reads.
 */
export function scaleStackEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const defaults: StackDefaults = {
    DIR: '.stack-scale',
    CASSANDRA_PORT: '19092',
    CASSANDRA_STORAGE_PORT: '17090',
    MONGO_PORT: '27092',
    POSTGRES_PORT: '5437',
  };
  return Object.fromEntries(
    NAMES.map((name) => [
      `TEST_STACK_${name}`,
      env[`SCALE_STACK_${name}`] || env[`TEST_STACK_${name}`] || defaults[name],
    ]),
  );
}

export function testStack(): Stack {
  return new Stack(loadStackSettings({ ...process.env, ...testStackEnv() }));
}
