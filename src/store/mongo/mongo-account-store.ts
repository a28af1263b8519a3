import { Connection } from 'mongoose';
import { ACCOUNT_KIND } from '../../kinds/account.kind';
import { CREDENTIAL_KIND } from '../../kinds/credential.kind';
import { Account, AccountStore, Credential } from '../account-store';
import { NameClashError, UsernameTakenError } from '../store-errors';
import { MongoPostLock } from './mongo-post-lock';
import { MongoVersionedRecords } from './mongo-versioned-records';

/** Accounts in MongoDB: the `accounts` collection, its usernames kept unique by an index. */
export function mongoAccountRecords(
  connection: Connection,
  lock: MongoPostLock,
): MongoVersionedRecords<Account> {
  return new MongoVersionedRecords(ACCOUNT_KIND, connection, lock, {
    valueOf: (account) => account.username,
    mongo: ACCOUNT_KIND.fields.username.mongo,
    taken: (account) => new UsernameTakenError(account.username),
    clash: (account, holderId) =>
      new NameClashError('mongo', account.username, account.id, holderId),
  });
}

/** Sessions and API tokens in MongoDB: `credentials`, and tombstones of deleted ones. */
export function mongoCredentialRecords(
  connection: Connection,
  lock: MongoPostLock,
): MongoVersionedRecords<Credential> {
  return new MongoVersionedRecords(CREDENTIAL_KIND, connection, lock);
}

/** AccountStore on MongoDB (and FerretDB). */
export class MongoAccountStore extends AccountStore {
  readonly name = 'mongo';

  constructor(
    private readonly accounts: MongoVersionedRecords<Account>,
    private readonly credentials: MongoVersionedRecords<Credential>,
  ) {
    super();
  }

  createAccount(account: Account): Promise<void> {
    return this.accounts.create(account);
  }

  getAccount(id: string): Promise<Account | null> {
    return this.accounts.get(id);
  }

  async accountNamed(username: string): Promise<Account | null> {
    const [account] = await this.accounts.find({ username }, { _id: 1 });
    return account ?? null;
  }

  listAccounts(): Promise<Account[]> {
    return this.accounts.find({}, { username: 1 });
  }

  updateAccount(next: Account, previous: Account): Promise<boolean> {
    return this.accounts.update(next, previous);
  }

  createCredential(credential: Credential): Promise<void> {
    return this.credentials.create(credential);
  }

  getCredential(id: string): Promise<Credential | null> {
    return this.credentials.get(id);
  }

  credentialsOf(accountId: string): Promise<Credential[]> {
    return this.credentials.find({ account_id: accountId }, { created_at: 1, _id: 1 });
  }

  updateCredential(next: Credential, previous: Credential): Promise<boolean> {
    return this.credentials.update(next, previous);
  }

  deleteCredential(credential: Credential, deletedAt: number): Promise<boolean> {
    return this.credentials.remove(credential, deletedAt);
  }
}
