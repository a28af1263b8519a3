import { Stack } from '../../scripts/stack/stack';
import { loadStackSettings } from '../../scripts/stack/stack-settings';

/**
 * The integration tier's own stack: its own data folder and ports, so `npm test` never touches a
 * developer's running stack and may stop its servers on purpose. Ports stay below the kernel's
 * ephemeral range (32768+), where a client socket could take them.
 */
export function testStackEnv(): Record<string, string> {
  const env = process.env;
  return {
    STACK_DIR: env.TEST_STACK_DIR || '.stack-test',
    STACK_CASSANDRA_PORT: env.TEST_STACK_CASSANDRA_PORT || '19042',
    STACK_CASSANDRA_STORAGE_PORT: env.TEST_STACK_CASSANDRA_STORAGE_PORT || '17000',
    STACK_MONGO_PORT: env.TEST_STACK_MONGO_PORT || '27018',
  };
}

/**
 * The fault tier's stack (jest.faults.config.js): a data folder and ports of its own again, so it
 * may kill servers while `npm test`'s stack or a developer's runs. Given as the TEST_STACK_*
 * variables the shared global setup and teardown, and stackCommand, read.
 */
export function faultsStackEnv(): Record<string, string> {
  const env = process.env;
  return {
    TEST_STACK_DIR: env.FAULTS_STACK_DIR || '.stack-faults',
    TEST_STACK_CASSANDRA_PORT: env.FAULTS_STACK_CASSANDRA_PORT || '19052',
    TEST_STACK_CASSANDRA_STORAGE_PORT: env.FAULTS_STACK_CASSANDRA_STORAGE_PORT || '17050',
    TEST_STACK_MONGO_PORT: env.FAULTS_STACK_MONGO_PORT || '27052',
  };
}

export function testStack(): Stack {
  return new Stack(loadStackSettings({ ...process.env, ...testStackEnv() }));
}
