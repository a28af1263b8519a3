import { PassThrough } from 'node:stream';
import { AccountsService } from '../../../src/accounts/accounts.service';
import { CredentialsService } from '../../../src/accounts/credentials.service';
import { LastAdminError } from '../../../src/accounts/account-errors';
import { readSecret } from '../../../src/cli/read-secret';
import { BadInputError } from '../../../src/common/errors/service-errors';
import { loadConfig } from '../../../src/config/app-config';
import { UsernameTakenError } from '../../../src/store/store-errors';
import { MemoryAccountStore } from '../../support/memory-account-store';

const PASSWORD = 'correct horse battery';

// Each test hashes passwords with the real (deliberately slow) KDF: on a loaded 2-core machine a
// test takes seconds. They check outcomes, not time.
jest.setTimeout(30_000);

describe('AccountsService and CredentialsService (on an in-memory AccountStore)', () => {
  const config = loadConfig({ SESSION_IDLE_TIMEOUT: '2h', SESSION_MAX_AGE: '7d' });
  let store: MemoryAccountStore;
  let credentials: CredentialsService;
  let accounts: AccountsService;

  beforeEach(() => {
    store = new MemoryAccountStore();
    credentials = new CredentialsService(store, config);
    accounts = new AccountsService(store, config, credentials);
  });

  const add = (username: string, role = 'author') =>
    accounts.create({ username, role, password: PASSWORD });

  it('creates an account in lower case, its name defaulting to the username, hash only', async () => {
    const ada = await accounts.create({ username: ' Ada ', role: 'admin', password: PASSWORD });
    expect(ada).toMatchObject({ username: 'ada', name: 'ada', role: 'admin', disabled: false });
    expect(ada.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(store.accounts.get(ada.id))).not.toContain(PASSWORD);
  });

  it('passes UsernameTakenError through (any case), storing nothing more', async () => {
    await add('ada');
    await expect(add('ADA')).rejects.toBeInstanceOf(UsernameTakenError);
    expect(store.accounts.size).toBe(1);
  });

  it.each([
    [{ username: 'ab' }, 'username'],
    [{ password: 'short' }, 'password'],
    [{ role: 'root' }, 'role'],
    [{ name: ' ' }, 'name'],
  ])('refuses %j with a BadInputError naming %s', async (change, field) => {
    const error = await accounts
      .create({ username: 'ada', role: 'author', password: PASSWORD, ...change })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).field).toBe(field);
    expect(store.accounts.size).toBe(0);
  });

  it('authenticates: the same null for an unknown user, a wrong password and a disabled account', async () => {
    const ada = await add('ada');
    await add('bob', 'admin');
    expect((await accounts.authenticate('ADA', PASSWORD))?.id).toBe(ada.id);
    expect(await accounts.authenticate('ada', 'wrong')).toBeNull();
    expect(await accounts.authenticate('nobody', PASSWORD)).toBeNull();
    expect(await accounts.authenticate('x', PASSWORD)).toBeNull();
    await accounts.setDisabled(ada.id, true);
    expect(await accounts.authenticate('ada', PASSWORD)).toBeNull();
  });

  it('issues sessions it can resolve, storing only the secret hash', async () => {
    const ada = await add('ada');
    const session = await credentials.issueSession(ada);
    const [id, secret] = session.value.split('.');
    expect(store.credentials.get(id)?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify([...store.credentials.values()])).not.toContain(secret);
    expect((await credentials.resolveSession(session.value))?.account.id).toBe(ada.id);
    expect(await credentials.resolveSession(`${id}.${'A'.repeat(43)}`)).toBeNull();
    expect(await credentials.resolveToken(session.value)).toBeNull();
    expect(await credentials.resolveSession('garbage')).toBeNull();
  });

  it('ends a session for real, and refuses idle or old ones', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    try {
      const ada = await add('ada');
      const ended = await credentials.issueSession(ada);
      await credentials.end(store.credentials.get(ended.value.split('.')[0])!);
      expect(await credentials.resolveSession(ended.value)).toBeNull();

      const idle = await credentials.issueSession(ada);
      jest.setSystemTime(Date.now() + 2 * 3_600_000 + 1000);
      expect(await credentials.resolveSession(idle.value)).toBeNull();

      const old = await credentials.issueSession(ada);
      // used every hour (within the idle timeout) until the absolute timeout, 7 days
      for (let hour = 1; hour < 7 * 24; hour++) {
        jest.setSystemTime(Date.now() + 3_600_000);
        expect(await credentials.resolveSession(old.value)).not.toBeNull();
      }
      jest.setSystemTime(Date.now() + 2 * 3_600_000 - 60_000);
      expect(await credentials.resolveSession(old.value)).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });

  it('records a use at most once a minute', async () => {
    const ada = await add('ada');
    const session = await credentials.issueSession(ada);
    const id = session.value.split('.')[0];
    const version = store.credentials.get(id)!.version;
    await credentials.resolveSession(session.value);
    expect(store.credentials.get(id)!.version).toBe(version);
    const stale = { ...store.credentials.get(id)!, usedAt: new Date(Date.now() - 61_000) };
    store.credentials.set(id, stale);
    await credentials.resolveSession(session.value);
    expect(store.credentials.get(id)!.usedAt.getTime()).toBeGreaterThan(stale.usedAt.getTime());
  });

  it('disabling ends every session and token; enabling does not bring them back', async () => {
    const ada = await add('ada');
    const session = await credentials.issueSession(ada);
    const token = await credentials.issueToken(ada, 'ci');
    await accounts.setDisabled(ada.id, true);
    expect(store.credentials.size).toBe(0);
    await accounts.setDisabled(ada.id, false);
    expect(await credentials.resolveSession(session.value)).toBeNull();
    expect(await credentials.resolveToken(token.value)).toBeNull();
  });

  it("a new password ends the other sessions, keeps the caller's and the tokens", async () => {
    const ada = await add('ada');
    const here = await credentials.issueSession(ada);
    const there = await credentials.issueSession(ada);
    const token = await credentials.issueToken(ada, 'ci');
    await accounts.setPassword(ada.id, 'another long one', here.credential.id);
    expect(await credentials.resolveSession(here.value)).not.toBeNull();
    expect(await credentials.resolveSession(there.value)).toBeNull();
    expect(await credentials.resolveToken(token.value)).not.toBeNull();
    expect(await accounts.authenticate('ada', 'another long one')).not.toBeNull();
  });

  it('lists and revokes tokens by id', async () => {
    const ada = await add('ada');
    const token = await credentials.issueToken(ada, 'ci');
    await credentials.issueSession(ada);
    expect((await credentials.tokensOf(ada.id)).map((t) => t.label)).toEqual(['ci']);
    expect(await credentials.revokeToken(token.credential.id)).toBe(true);
    expect(await credentials.revokeToken(token.credential.id)).toBe(false);
    expect(await credentials.revokeToken('nope')).toBe(false);
    expect(await credentials.resolveToken(token.value)).toBeNull();
  });

  it('never demotes or disables the last enabled admin', async () => {
    const root = await add('root', 'admin');
    await expect(accounts.setRole(root.id, 'author')).rejects.toBeInstanceOf(LastAdminError);
    await expect(accounts.setDisabled(root.id, true)).rejects.toBeInstanceOf(LastAdminError);
    await add('second', 'admin');
    await expect(accounts.setRole(root.id, 'author')).resolves.toMatchObject({ role: 'author' });
  });

  it('retries a change that lost a race, on the fresh account', async () => {
    const ada = await add('ada');
    const update = store.updateAccount.bind(store);
    let lost = 0;
    store.updateAccount = async (next, previous) => {
      if (lost++ === 0) {
        store.accounts.set(ada.id, {
          ...previous,
          name: 'Changed meanwhile',
          version: previous.version + 1,
        });
        return false;
      }
      return update(next, previous);
    };
    const renamed = await accounts.setRole(ada.id, 'admin');
    expect(renamed).toMatchObject({ role: 'admin', name: 'Changed meanwhile' });
  });
});

describe('readSecret', () => {
  it('reads the first line of piped input', async () => {
    const input = new PassThrough();
    const secret = readSecret('unused', input, new PassThrough());
    input.write('s3cret pass\nsecond line\n');
    expect(await secret).toBe('s3cret pass');
  });

  it('takes input without a line break when the pipe ends', async () => {
    const input = new PassThrough();
    const secret = readSecret('unused', input, new PassThrough());
    input.end('no newline');
    expect(await secret).toBe('no newline');
  });

  it('reads a typed line in raw mode with no echo, honouring backspace', async () => {
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      raw: false,
      setRawMode(raw: boolean) {
        this.raw = raw;
        return this;
      },
    });
    const shown = new PassThrough();
    let written = '';
    shown.on('data', (d: Buffer) => (written += d.toString()));
    const secret = readSecret('Password: ', input, shown);
    expect(input.raw).toBe(true);
    input.write('abx\u007fc\r');
    expect(await secret).toBe('abc');
    expect(input.raw).toBe(false);
    expect(written).toBe('Password: \n');
  });
});
