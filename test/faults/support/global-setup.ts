import globalSetup from '../../support/global-setup';
import { faultsStackEnv } from '../../support/test-stack';

/**
 * The fault tier's servers: the integration tier's global setup on the fault tier's own stack
 * (FAULTS_STACK_*). The variables stay set in this process, so global-teardown stops the same
 * stack and the tests' stackCommand kills and restarts its servers.
 */
export default async function faultsGlobalSetup(): Promise<void> {
  Object.assign(process.env, faultsStackEnv());
  await globalSetup();
}
