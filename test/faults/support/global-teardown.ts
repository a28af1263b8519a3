import globalTeardown from '../../support/global-teardown';
import { CLUSTER_RAN_BEFORE, faultsClusterStack } from '../../support/test-stack';

/**
 * Stops what the tier started: the fault stack (the shared teardown), and the three-node cluster
 * if a cluster test started it (it did not run before this run), unless TEST_KEEP_STACK=1.
 */
export default async function faultsGlobalTeardown(): Promise<void> {
  await globalTeardown();
  if (process.env.TEST_KEEP_STACK === '1' || process.env[CLUSTER_RAN_BEFORE] === '1') return;
  const cluster = faultsClusterStack();
  if ((await cluster.status()).some((s) => s.state !== 'stopped')) {
    const stopped = await cluster.down();
    console.log(`fault cluster stack (${cluster.settings.dir}): stopped ${stopped.join(', ')}`);
  }
}
