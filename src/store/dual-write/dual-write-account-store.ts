import { ACCOUNT_KIND } from '../../kinds/account.kind';
import { CREDENTIAL_KIND } from '../../kinds/credential.kind';
import { Account, AccountStore, Credential } from '../account-store';
import { SecondaryCopier } from './secondary-copier';

/**
 * Accounts and credentials in a dual-write phase, like DualWritePostStore: the primary decides
 * (its unique index or name claim refuses a taken username, and the request gets a 409 with
 * nothing copied); the copy to the secondary follows through the phase's SecondaryCopier. A
 * copy that finds the name held by another account there fails like any missed copy: hinted,
 * logged and counted, so the clash is seen, never hidden.
 */
export class DualWriteAccountStore extends AccountStore {
  readonly name: string;

  constructor(
    readonly primary: AccountStore,
    private readonly copier: SecondaryCopier,
  ) {
    super();
    this.name = `dual-write(${primary.name}→${copier.secondaryName})`;
  }

  async createAccount(account: Account): Promise<void> {
    await this.copier.onPrimary('create account', account.id, () =>
      this.primary.createAccount(account),
    );
    await this.copyAccount(account, null);
  }

  getAccount(id: string): Promise<Account | null> {
    return this.primary.getAccount(id);
  }

  accountNamed(username: string): Promise<Account | null> {
    return this.primary.accountNamed(username);
  }

  listAccounts(): Promise<Account[]> {
    return this.primary.listAccounts();
  }

  async updateAccount(next: Account, previous: Account): Promise<boolean> {
    const updated = await this.copier.onPrimary('update account', next.id, () =>
      this.primary.updateAccount(next, previous),
    );
    if (updated) await this.copyAccount(next, previous);
    return updated;
  }

  async createCredential(credential: Credential): Promise<void> {
    await this.copier.onPrimary('create credential', credential.id, () =>
      this.primary.createCredential(credential),
    );
    await this.copyCredential(credential);
  }

  getCredential(id: string): Promise<Credential | null> {
    return this.primary.getCredential(id);
  }

  credentialsOf(accountId: string): Promise<Credential[]> {
    return this.primary.credentialsOf(accountId);
  }

  async updateCredential(next: Credential, previous: Credential): Promise<boolean> {
    const updated = await this.copier.onPrimary('update credential', next.id, () =>
      this.primary.updateCredential(next, previous),
    );
    if (updated) await this.copyCredential(next);
    return updated;
  }

  async deleteCredential(credential: Credential, deletedAt: number): Promise<boolean> {
    const deleted = await this.copier.onPrimary('delete credential', credential.id, () =>
      this.primary.deleteCredential(credential, deletedAt),
    );
    if (!deleted) return false;
    await this.copier.copy(
      { entity: CREDENTIAL_KIND.name, id: credential.id, postId: credential.id, op: 'delete' },
      (secondary) => secondary.applyDelete(CREDENTIAL_KIND, credential.id, deletedAt, credential),
    );
    return true;
  }

  private copyAccount(account: Account, previous: Account | null): Promise<void> {
    return this.copier.copy(
      { entity: ACCOUNT_KIND.name, id: account.id, postId: account.id, op: 'upsert' },
      (secondary) => secondary.apply(ACCOUNT_KIND, account, previous),
    );
  }

  private copyCredential(credential: Credential): Promise<void> {
    return this.copier.copy(
      { entity: CREDENTIAL_KIND.name, id: credential.id, postId: credential.id, op: 'upsert' },
      (secondary) => secondary.apply(CREDENTIAL_KIND, credential),
    );
  }
}
