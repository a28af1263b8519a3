import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** The account the benches write as: an admin, so it may edit and delete every post. */
export const BENCH_WRITER = { username: 'bench', name: 'Bench' };

/** `npm run cli -- <args>` with only `env` (and `input` on stdin); its stdout, or an error. */
function cli(env: Record<string, string>, args: string[], input = ''): string {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts/run-cli.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) {
    throw new Error(`\`${args.join(' ')}\` exited ${run.status}: ${run.stderr.trim()}`);
  }
  return run.stdout;
}

/**
 * Writes need a signed-in account: makes the bench's admin as an operator would (`user add`,
 * the password on stdin, then `user token`, which prints the token alone) in the stores of
 * `env`'s phase, and returns the bearer header every write of the bench sends. A token needs no
 * CSRF token, on the JSON routes and the forms alike. Run after the schema is migrated.
 */
export function benchWriterHeaders(env: Record<string, string>): Record<string, string> {
  const password = randomBytes(24).toString('base64url');
  cli(
    env,
    ['user', 'add', BENCH_WRITER.username, '--role', 'admin', '--name', BENCH_WRITER.name],
    `${password}\n`,
  );
  const token = cli(env, ['user', 'token', BENCH_WRITER.username, '--label', 'bench']).trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    throw new Error(`user token printed no token: ${JSON.stringify(token.slice(0, 100))}`);
  }
  return { Authorization: `Bearer ${token}` };
}
