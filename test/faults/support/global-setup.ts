import globalSetup from '../../support/global-setup';
import { CLUSTER_RAN_BEFORE, faultsClusterStack, faultsStackEnv } from '../../support/test-stack';

/**
 * The fault tier's servers: the integration tier's global setup on the fault tier's own stack
 * (FAULTS_STACK_*). The variables stay set in this process, so global-teardown stops the same
 * stack and the tests' stackCommand kills and restarts its servers. The three-node cluster
 * (FAULTS_CLUSTER_STACK_*) is started by the first cluster test only; whether it ran already is
 * noted here, so the teardown stops it only when this run started it.
 */
export default async function faultsGlobalSetup(): Promise<void> {
  Object.assign(process.env, faultsStackEnv());
  const cluster = await faultsClusterStack().status();
  process.env[CLUSTER_RAN_BEFORE] = cluster.some((s) => s.state !== 'stopped') ? '1' : '';
  await globalSetup();
}
