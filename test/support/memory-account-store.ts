import { Account, AccountStore, Credential } from '../../src/store/account-store';
import { StoreUnavailableError, UsernameTakenError } from '../../src/store/store-errors';

/**
 * An AccountStore in memory with the port's contract: unique usernames (UsernameTakenError,
 * storing nothing), conditional updates by version, deleted credentials gone for good.
 * `unavailable` makes every call fail as a store that is down. For the unit and controller tiers.
 */
export class MemoryAccountStore extends AccountStore {
  readonly accounts = new Map<string, Account>();
  readonly credentials = new Map<string, Credential>();
  readonly deleted = new Set<string>();
  unavailable = false;

  constructor(readonly name = 'memory') {
    super();
  }

  clear(): void {
    this.accounts.clear();
    this.credentials.clear();
    this.deleted.clear();
    this.unavailable = false;
  }

  private up(): void {
    if (this.unavailable) throw new StoreUnavailableError(`${this.name} is down (test)`);
  }

  private holder(username: string): Account | undefined {
    return [...this.accounts.values()].find((a) => a.username === username);
  }

  async createAccount(account: Account): Promise<void> {
    this.up();
    if (this.holder(account.username)) throw new UsernameTakenError(account.username);
    this.accounts.set(account.id, { ...account });
  }

  async getAccount(id: string): Promise<Account | null> {
    this.up();
    const account = this.accounts.get(id);
    return account ? { ...account } : null;
  }

  async accountNamed(username: string): Promise<Account | null> {
    this.up();
    const account = this.holder(username);
    return account ? { ...account } : null;
  }

  async listAccounts(): Promise<Account[]> {
    this.up();
    return [...this.accounts.values()]
      .map((a) => ({ ...a }))
      .sort((a, b) => (a.username < b.username ? -1 : 1));
  }

  async updateAccount(next: Account, previous: Account): Promise<boolean> {
    this.up();
    if (this.accounts.get(next.id)?.version !== previous.version) return false;
    const holder = this.holder(next.username);
    if (holder && holder.id !== next.id) throw new UsernameTakenError(next.username);
    this.accounts.set(next.id, { ...next });
    return true;
  }

  async createCredential(credential: Credential): Promise<void> {
    this.up();
    this.credentials.set(credential.id, { ...credential });
  }

  async getCredential(id: string): Promise<Credential | null> {
    this.up();
    const credential = this.credentials.get(id);
    return credential ? { ...credential } : null;
  }

  async credentialsOf(accountId: string): Promise<Credential[]> {
    this.up();
    return [...this.credentials.values()]
      .filter((c) => c.accountId === accountId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((c) => ({ ...c }));
  }

  async updateCredential(next: Credential, previous: Credential): Promise<boolean> {
    this.up();
    if (this.credentials.get(next.id)?.version !== previous.version) return false;
    this.credentials.set(next.id, { ...next });
    return true;
  }

  async deleteCredential(credential: Credential): Promise<boolean> {
    this.up();
    if (this.credentials.get(credential.id)?.version !== credential.version) return false;
    this.credentials.delete(credential.id);
    this.deleted.add(credential.id);
    return true;
  }
}
