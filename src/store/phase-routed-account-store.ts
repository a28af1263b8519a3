import { Account, AccountStore, Credential } from './account-store';
import { PostStoreRouter } from './post-store.router';
import { asStoreError } from './store-errors';

/**
 * What features get when they inject AccountStore: every call goes to the account store of the
 * phase being served (PostStoreRouter), like PhaseRoutedPostStore; a store that cannot answer
 * comes out as a StoreUnavailableError.
 */
export class PhaseRoutedAccountStore extends AccountStore {
  constructor(private readonly router: PostStoreRouter) {
    super();
  }

  get name(): string {
    return this.router.currentAccounts().name;
  }

  private async call<T>(work: (store: AccountStore) => Promise<T>): Promise<T> {
    try {
      return await work(this.router.currentAccounts());
    } catch (error) {
      throw asStoreError(error);
    }
  }

  createAccount(account: Account): Promise<void> {
    return this.call((store) => store.createAccount(account));
  }
  getAccount(id: string): Promise<Account | null> {
    return this.call((store) => store.getAccount(id));
  }
  accountNamed(username: string): Promise<Account | null> {
    return this.call((store) => store.accountNamed(username));
  }
  listAccounts(): Promise<Account[]> {
    return this.call((store) => store.listAccounts());
  }
  updateAccount(next: Account, previous: Account): Promise<boolean> {
    return this.call((store) => store.updateAccount(next, previous));
  }
  createCredential(credential: Credential): Promise<void> {
    return this.call((store) => store.createCredential(credential));
  }
  getCredential(id: string): Promise<Credential | null> {
    return this.call((store) => store.getCredential(id));
  }
  credentialsOf(accountId: string): Promise<Credential[]> {
    return this.call((store) => store.credentialsOf(accountId));
  }
  updateCredential(next: Credential, previous: Credential): Promise<boolean> {
    return this.call((store) => store.updateCredential(next, previous));
  }
  deleteCredential(credential: Credential, deletedAt: number): Promise<boolean> {
    return this.call((store) => store.deleteCredential(credential, deletedAt));
  }
}
