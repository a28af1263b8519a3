import { runCli } from './helpers/app';

/** A newcomer's first command: the help, with no database running. */
describe('npm run cli -- --help (no database)', () => {
  // nothing listens on these: the help must not need a store
  const env = {
    MONGO_URL: 'mongodb://127.0.0.1:1/blog',
    CASSANDRA_CONTACT_POINTS: '127.0.0.1:1',
  };

  it('lists every command under the name typed, and exits 0', () => {
    const run = runCli(env, '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run cli -- \[options\] \[command\]/);
    for (const command of ['schema', 'migrate', 'phase', 'mongo']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it("lists a command's subcommands too", () => {
    const run = runCli(env, 'mongo', '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run cli -- mongo /);
    for (const sub of ['backup', 'cleanup', 'restore']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${sub} `, 'm'));
    }
  });
});
