import { Injectable } from '@nestjs/common';
import { MAX_WRITE_ATTEMPTS, backoff } from '../common/backoff';
import { AppConfig } from '../config/app-config';
import { Account, AccountStore, Role } from '../store/account-store';
import { isValidId, newId, nextVersion } from '../store/versions';
import {
  AccountChangedError,
  AccountInputError,
  AccountNotFoundException,
  LastAdminError,
} from './account-errors';
import {
  nameProblem,
  normalizeUsername,
  passwordProblem,
  roleProblem,
  usernameProblem,
} from './account-rules';
import { CredentialsService } from './credentials.service';
import { decoyHash, hashPassword, verifyPassword } from './passwords';

export interface NewAccount {
  username: string;
  name?: string;
  role: string;
  password: string;
}

/** Throws AccountInputError for the first field that breaks its rule. */
function check(field: string, problem: string | undefined): void {
  if (problem) throw new AccountInputError(field, problem);
}

/**
 * Accounts: creating them, changing them (each change conditional on the version read, retried
 * on a lost race like PostsService), and signing in. Knows only the AccountStore port.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly store: AccountStore,
    private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
  ) {}

  /** A new account; UsernameTakenError (409) when the name is held, AccountInputError (400). */
  async create(input: NewAccount): Promise<Account> {
    check('username', usernameProblem(input.username));
    const username = normalizeUsername(input.username);
    const name = input.name === undefined ? username : input.name.trim();
    check('name', nameProblem(name));
    check('role', roleProblem(input.role));
    check('password', passwordProblem(input.password, this.config.passwordMinLength));
    const now = new Date();
    const account: Account = {
      id: newId(now),
      username,
      name,
      role: input.role as Role,
      passwordHash: await hashPassword(input.password),
      disabled: false,
      createdAt: now,
      updatedAt: now,
      version: nextVersion(),
    };
    await this.store.createAccount(account);
    return account;
  }

  list(): Promise<Account[]> {
    return this.store.listAccounts();
  }

  /** The account with this username (any case), or null; a malformed name never reaches the store. */
  named(username: string): Promise<Account | null> {
    if (usernameProblem(username)) return Promise.resolve(null);
    return this.store.accountNamed(normalizeUsername(username));
  }

  byId(id: string): Promise<Account | null> {
    return isValidId(id) ? this.store.getAccount(id) : Promise.resolve(null);
  }

  async requireNamed(username: string): Promise<Account> {
    const account = await this.named(username);
    if (!account) throw new AccountNotFoundException(username);
    return account;
  }

  async setRole(id: string, role: string): Promise<Account> {
    check('role', roleProblem(role));
    return this.change(id, async (account) => {
      if (role === 'author') await this.keepAnAdmin(account);
      return { role: role as Role };
    });
  }

  async setName(id: string, name: string): Promise<Account> {
    check('name', nameProblem(name));
    return this.change(id, async () => ({ name: name.trim() }));
  }

  /** Disabling also ends every session and token of the account. */
  async setDisabled(id: string, disabled: boolean): Promise<Account> {
    const account = await this.change(id, async (current) => {
      if (disabled) await this.keepAnAdmin(current);
      return { disabled };
    });
    if (disabled) await this.credentials.endAll(account.id, ['session', 'token']);
    return account;
  }

  /** A new password ends the account's other sessions (the one it was changed from stays). */
  async setPassword(id: string, password: string, keepSessionId?: string): Promise<Account> {
    check('password', passwordProblem(password, this.config.passwordMinLength));
    const passwordHash = await hashPassword(password);
    const account = await this.change(id, async () => ({ passwordHash }));
    await this.credentials.endAll(account.id, ['session'], keepSessionId);
    return account;
  }

  /**
   * The account these credentials sign in, or null. Unknown usernames, wrong passwords and
   * disabled accounts get the same null after the same work (a decoy hash is checked when the
   * name is unknown), so the answer tells nobody which usernames exist.
   */
  async authenticate(username: string, password: string): Promise<Account | null> {
    const account = typeof password === 'string' ? await this.named(username) : null;
    const hash = account?.passwordHash ?? (await decoyHash());
    const matches = await verifyPassword(typeof password === 'string' ? password : '', hash);
    return account && matches && !account.disabled ? account : null;
  }

  /** Refuses to demote or disable the last enabled admin: nobody could manage accounts then. */
  private async keepAnAdmin(account: Account): Promise<void> {
    if (account.role !== 'admin' || account.disabled) return;
    const admins = (await this.store.listAccounts()).filter(
      (a) => a.role === 'admin' && !a.disabled && a.id !== account.id,
    );
    if (admins.length === 0) throw new LastAdminError();
  }

  private async change(
    id: string,
    changes: (current: Account) => Promise<Partial<Account>>,
  ): Promise<Account> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.byId(id);
      if (!current) throw new AccountNotFoundException(id);
      const next: Account = {
        ...current,
        ...(await changes(current)),
        updatedAt: new Date(),
        version: nextVersion(current.version),
      };
      if (await this.store.updateAccount(next, current)) return next;
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new AccountChangedError();
      await backoff(attempt);
    }
  }
}
