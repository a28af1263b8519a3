import { RecordKind, baseTable, FieldsOf } from './record-kind';

export const ROLES = ['admin', 'author'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A person who signs in: an author or an admin. The username is stored in lower case (it is
 * unique ignoring case, so the stores compare it as stored); accounts are never deleted, only
 * disabled, so a name once used stays with its account unless renamed.
 */
export interface Account {
  id: string;
  /** 3–32 characters of [a-z0-9_.-], lower case */
  username: string;
  /** the display name: a post's author, a comment's commenter */
  name: string;
  role: Role;
  /** scrypt hash with its parameters and salt (src/accounts/passwords.ts); never shown or logged */
  passwordHash: string;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** grows on every change, like a post's (microseconds; the Cassandra write timestamp) */
  version: number;
}

export const ACCOUNT_FIELDS: FieldsOf<Account> = {
  id: { type: 'text', mongo: '_id', cassandra: 'id' },
  username: { type: 'text', mongo: 'username', cassandra: 'username' },
  name: { type: 'text', mongo: 'name', cassandra: 'name' },
  role: { type: 'text', mongo: 'role', cassandra: 'role' },
  passwordHash: { type: 'text', mongo: 'password_hash', cassandra: 'password_hash' },
  disabled: { type: 'boolean', mongo: 'disabled', cassandra: 'disabled' },
  createdAt: { type: 'date', mongo: 'created_at', cassandra: 'created_at' },
  updatedAt: { type: 'date', mongo: 'updated_at', cassandra: 'updated_at' },
  version: { type: 'integer', mongo: 'version', cassandra: 'version' },
};

/**
 * Cassandra's claims on usernames (`username → account_id`), taken and released with lightweight
 * transactions: the only way Cassandra can refuse a second account with the same name. It is
 * the store's bookkeeping, not a copy of the record, so verify does not compare it.
 */
export const ACCOUNT_NAMES_TABLE = 'account_names';

export const ACCOUNT_KIND: RecordKind<Account> = {
  name: 'account',
  plural: 'accounts',
  fields: ACCOUNT_FIELDS,
  writtenAt: (account) => account.version,
  mongo: { collection: 'accounts' },
  cassandra: { base: baseTable<Account>('accounts', ACCOUNT_FIELDS), derived: [] },
};
