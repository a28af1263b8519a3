import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { testStackEnv } from '../../support/test-stack';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * `npm run stack -- <args>` against the test stack (or the stack of `stackEnv`'s STACK_*
 * variables); resolves with the time it finished.
 */
export function stackCommand(args: string[], stackEnv = testStackEnv()): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'run-stack.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...stackEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(Date.now()) : reject(new Error(`stack ${args.join(' ')}: ${output}`)),
    );
  });
}

/** Tests that stop a server of the test stack on purpose need the stack this run manages. */
export function requireManagedStack(what: string): void {
  if (process.env.TEST_STACK_MANAGED !== '1') {
    throw new Error(
      `${what}; unset TEST_MONGO_URL/TEST_CASSANDRA_CONTACT_POINTS so the test stack is used`,
    );
  }
}
