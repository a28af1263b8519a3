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

export function testStack(): Stack {
  return new Stack(loadStackSettings({ ...process.env, ...testStackEnv() }));
}
