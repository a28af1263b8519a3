import { ServiceName } from '../../scripts/stack/stack';
import { testStack } from './test-stack';

/** Stops what global-setup started, so a test run leaves the machine as it found it. */
export default async function globalTeardown(): Promise<void> {
  const started = (process.env.TEST_STACK_STARTED ?? '')
    .split(',')
    .filter(Boolean) as ServiceName[];
  if (!started.length || process.env.TEST_KEEP_STACK === '1') return;
  await testStack().down(started);
}
