import { verifyPassword } from '../../src/accounts/passwords';
import { CredentialsService } from '../../src/accounts/credentials.service';
import { Account, AccountStore } from '../../src/store/account-store';
import { PostStoreRouter } from '../../src/store/post-store.router';
import { CliRun, runCli, runCliWithInput } from './helpers/app';
import { cliEnvOf } from './helpers/migration';
import { StoreModule, storeModule } from './helpers/store-module';

const PASSWORD = 'a long enough password';

/** A refusal as the CLI docs promise it: a non-zero exit and one readable line, nothing on stdout. */
function expectRefused(run: CliRun, pattern: RegExp): void {
  expect({ status: run.status, stdout: run.stdout }).toEqual({
    status: expect.any(Number),
    stdout: '',
  });
  expect(run.status).not.toBe(0);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('user CLI: every subcommand against the real stores (dual-write: both stores follow)', () => {
  let m: StoreModule;
  let env: Record<string, string>;
  let credentials: CredentialsService;

  /** The account as each store holds it (dual-write keeps both). */
  async function inBothStores(username: string): Promise<Array<Account | null>> {
    const router = m.module.get(PostStoreRouter);
    return Promise.all(
      (['mongo', 'cassandra'] as const).map((store) =>
        router.accountsFor(store).accountNamed(username),
      ),
    );
  }

  async function account(username: string): Promise<Account> {
    const [mongo, cassandra] = await inBothStores(username);
    expect(cassandra).toEqual(mongo);
    expect(mongo).not.toBeNull();
    return mongo!;
  }

  beforeAll(async () => {
    m = await storeModule('user_cli', 'dual-write');
    env = cliEnvOf(m.config);
    credentials = new CredentialsService(m.module.get(AccountStore), m.config);
  });

  afterAll(async () => {
    await m?.close();
  });

  it('user add creates the account in both stores; a taken name (any case) and bad usage are refused', async () => {
    const add = runCliWithInput(
      env,
      `${PASSWORD}\n`,
      'user',
      'add',
      'ada',
      '--role',
      'admin',
      '--name',
      'Ada Lovelace',
    );
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    const ada = await account('ada');
    expect(add.stdout).toBe(`created admin ada (id ${ada.id})\n`);
    expect({ name: ada.name, role: ada.role, disabled: ada.disabled }).toEqual({
      name: 'Ada Lovelace',
      role: 'admin',
      disabled: false,
    });
    expect(await verifyPassword(PASSWORD, ada.passwordHash)).toBe(true);

    expectRefused(
      runCliWithInput(env, `${PASSWORD}\n`, 'user', 'add', 'ADA', '--role', 'author'),
      /taken/i,
    );
    expectRefused(runCliWithInput(env, `${PASSWORD}\n`, 'user', 'add', 'grace'), /--role/);
    expectRefused(
      runCliWithInput(env, `${PASSWORD}\n`, 'user', 'add', 'grace', '--role', 'owner'),
      /role/i,
    );
    expectRefused(
      runCliWithInput(env, 'short\n', 'user', 'add', 'grace', '--role', 'author'),
      /password/i,
    );
    expectRefused(
      runCliWithInput(env, `${PASSWORD}\n`, 'user', 'add', 'a', '--role', 'author'),
      /username/i,
    );
    expectRefused(
      runCli(env, 'user', 'add', 'grace', 'hopper', '--role', 'author'),
      /usage|argument/i,
    );
    // nothing of those refusals reached either store
    expect(await inBothStores('grace')).toEqual([null, null]);
    expect(await inBothStores('a')).toEqual([null, null]);
    expect((await account('ada')).updatedAt).toEqual(ada.updatedAt);
  });

  it('user list shows every account (as JSON without the hash), user role changes it in both stores', async () => {
    const add = runCliWithInput(env, `${PASSWORD}\n`, 'user', 'add', 'grace', '--role', 'author');
    expect(add.status).toBe(0);

    const text = runCli(env, 'user', 'list');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^ada\tadmin\tactive\tAda Lovelace\t/m);
    expect(text.stdout).toMatch(/^grace\tauthor\tactive\tgrace\t/m);

    const json = runCli(env, 'user', 'list', '--json');
    expect(json.status).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed.map((a) => a.username).sort()).toEqual(['ada', 'grace']);
    expect(json.stdout).not.toMatch(/passwordHash|scrypt/);

    const role = runCli(env, 'user', 'role', 'grace', 'admin');
    expect(role.stdout).toBe('grace is now admin\n');
    expect((await account('grace')).role).toBe('admin');
    expect(runCli(env, 'user', 'role', 'grace', 'author').status).toBe(0);
    expect((await account('grace')).role).toBe('author');

    expectRefused(runCli(env, 'user', 'role', 'grace', 'owner'), /role/i);
    expectRefused(runCli(env, 'user', 'role', 'nobody', 'admin'), /nobody/);
    expectRefused(runCli(env, 'user', 'role', 'grace'), /missing required argument 'role'/);
    // ada is the only enabled admin: demoting her would lock everyone out
    expectRefused(runCli(env, 'user', 'role', 'ada', 'author'), /admin/i);
    expectRefused(runCli(env, 'user', 'disable', 'ada'), /admin/i);
    expect((await account('ada')).role).toBe('admin');
    expect((await account('grace')).role).toBe('author');
  });

  it('user token prints a working token once; tokens lists it; revoke ends it (and a second revoke is refused)', async () => {
    const issued = runCli(env, 'user', 'token', 'grace', '--label', 'deploy bot');
    expect(issued.status).toBe(0);
    const token = issued.stdout.trim();
    expect(issued.stdout).toBe(`${token}\n`);
    const resolved = await credentials.resolveToken(token);
    expect(resolved?.account.username).toBe('grace');
    const id = resolved!.credential.id;

    const tokens = runCli(env, 'user', 'tokens', 'grace');
    expect(tokens.status).toBe(0);
    expect(tokens.stdout).toMatch(new RegExp(`^${id}\\tcreated .*\\tdeploy bot$`, 'm'));
    // the secret is never listed again
    expect(tokens.stdout).not.toContain(token.split('.')[1]);

    expectRefused(runCli(env, 'user', 'token', 'grace', '--label', 'x'.repeat(101)), /label/);
    expectRefused(runCli(env, 'user', 'token', 'nobody'), /nobody/);

    const revoke = runCli(env, 'user', 'revoke', id);
    expect(revoke.stdout).toBe(`token ${id} revoked\n`);
    expect(revoke.status).toBe(0);
    expect(await credentials.resolveToken(token)).toBeNull();
    for (const store of ['mongo', 'cassandra'] as const) {
      expect(await m.module.get(PostStoreRouter).accountsFor(store).getCredential(id)).toBeNull();
    }
    expectRefused(runCli(env, 'user', 'revoke', id), /no token/);
    expectRefused(runCli(env, 'user', 'revoke', 'not-an-id'), /no token|id/i);
    expect(runCli(env, 'user', 'tokens', 'grace').stdout).toBe('no tokens\n');
  });

  it('user disable ends the tokens and refuses new ones; enable lets the account back in', async () => {
    const token = runCli(env, 'user', 'token', 'grace').stdout.trim();
    expect(await credentials.resolveToken(token)).not.toBeNull();

    const disable = runCli(env, 'user', 'disable', 'grace');
    expect(disable.status).toBe(0);
    expect((await account('grace')).disabled).toBe(true);
    expect(await credentials.resolveToken(token)).toBeNull();
    expectRefused(runCli(env, 'user', 'token', 'grace'), /disabled/);

    const enable = runCli(env, 'user', 'enable', 'grace');
    expect(enable.stdout).toBe('grace is enabled\n');
    expect((await account('grace')).disabled).toBe(false);
    // the ended token stays ended; a new one works
    expect(await credentials.resolveToken(token)).toBeNull();
    const fresh = runCli(env, 'user', 'token', 'grace').stdout.trim();
    expect((await credentials.resolveToken(fresh))?.account.username).toBe('grace');
  });

  it('user password sets the new password in both stores and ends the sessions; a too short one changes nothing', async () => {
    const before = await account('grace');
    const session = await credentials.issueSession(before);
    expect(await credentials.resolveSession(session.value)).not.toBeNull();

    expectRefused(runCliWithInput(env, 'short\n', 'user', 'password', 'grace'), /password/i);
    expect((await account('grace')).passwordHash).toBe(before.passwordHash);

    const change = runCliWithInput(env, 'another long password\n', 'user', 'password', 'grace');
    expect(change.stdout).toBe('password of grace changed; its sessions ended\n');
    const after = await account('grace');
    expect(await verifyPassword('another long password', after.passwordHash)).toBe(true);
    expect(await verifyPassword(PASSWORD, after.passwordHash)).toBe(false);
    expect(await credentials.resolveSession(session.value)).toBeNull();
  });
});
