import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { CREDENTIAL_KIND, CREDENTIALS_BY_ACCOUNT } from '../../kinds/credential.kind';
import { fromRow } from '../../kinds/record-kind';
import { ACCOUNT_KIND } from '../../kinds/account.kind';
import { compareUtf8 } from '../post';
import { Account, AccountStore, Credential } from '../account-store';
import { CassandraAccountRecords } from './cassandra-account-records';
import { PostClaims } from './cassandra-post-claims';
import { CassandraVersionedRecords } from './cassandra-versioned-records';
import { selectColumns } from './cql';

const READ = { idempotent: true, fetchSize: 1000 } as const;

/** Accounts in Cassandra, their names claimed with lightweight transactions. */
export function cassandraAccountRecords(client: CassandraClient): CassandraAccountRecords {
  return new CassandraAccountRecords(
    client,
    new PostClaims(client, Date.now, { heads: 'account_heads', data: 'accounts' }),
  );
}

/** Sessions and API tokens in Cassandra, by id and by account, with their tombstones. */
export function cassandraCredentialRecords(
  client: CassandraClient,
): CassandraVersionedRecords<Credential> {
  return new CassandraVersionedRecords(
    CREDENTIAL_KIND,
    client,
    new PostClaims(client, Date.now, {
      heads: 'credential_heads',
      data: CREDENTIAL_KIND.cassandra.base.name,
    }),
  );
}

/** AccountStore on Cassandra. */
export class CassandraAccountStore extends AccountStore {
  readonly name = 'cassandra';

  constructor(
    private readonly client: CassandraClient,
    private readonly accounts: CassandraAccountRecords,
    private readonly credentials: CassandraVersionedRecords<Credential>,
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
    const holder = await this.accounts.holderOf(username);
    if (holder === undefined) return null;
    const account = await this.accounts.get(holder);
    // a claim that outlived a rename names an account that has another name now
    return account?.username === username ? account : null;
  }

  /** Every account: one read of the table (a blog has few), sorted here. */
  async listAccounts(): Promise<Account[]> {
    const base = ACCOUNT_KIND.cassandra.base;
    const accounts: Account[] = [];
    for await (const row of this.client.rows(
      `SELECT ${selectColumns(base)} FROM ${this.client.table(base.name)}`,
      [],
      READ,
    )) {
      const account = fromRow(ACCOUNT_KIND, row);
      if (account) accounts.push(account);
    }
    return accounts.sort((a, b) => compareUtf8(a.username, b.username));
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

  async credentialsOf(accountId: string): Promise<Credential[]> {
    const ids: string[] = [];
    for await (const row of this.client.rows(
      `SELECT id FROM ${this.client.table(CREDENTIALS_BY_ACCOUNT.name)} WHERE account_id = ?`,
      [accountId],
      READ,
    )) {
      ids.push(row.get('id') as string);
    }
    const credentials = await this.credentials.getMany(ids);
    return credentials
      .filter((credential) => credential.accountId === accountId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareUtf8(a.id, b.id));
  }

  updateCredential(next: Credential, previous: Credential): Promise<boolean> {
    return this.credentials.update(next, previous);
  }

  deleteCredential(credential: Credential, deletedAt: number): Promise<boolean> {
    return this.credentials.remove(credential, deletedAt);
  }
}
