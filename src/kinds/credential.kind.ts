import { CassandraTable, FieldsOf, RecordKind, baseTable } from './record-kind';

/** A session (a signed-in browser) or an API token (a JSON client). */
export const CREDENTIAL_TYPES = ['session', 'token'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/**
 * What lets a request act as an account. Its secret is shown once (the cookie, the printed
 * token) and stored only as a hash, so a copy of either store lets nobody in. Logging out,
 * revoking, a password change or a disable deletes credentials (a tombstone keeps them deleted
 * whatever order the copies arrive in).
 */
export interface Credential {
  id: string;
  accountId: string;
  type: CredentialType;
  /** sha256 of the secret, hex */
  secretHash: string;
  /** what a token is for (empty for sessions) */
  label: string;
  createdAt: Date;
  /** last time a request used it (kept to the minute: sessions' idle timeout) */
  usedAt: Date;
  version: number;
}

export const CREDENTIAL_FIELDS: FieldsOf<Credential> = {
  id: { type: 'text', mongo: '_id', cassandra: 'id' },
  accountId: { type: 'text', mongo: 'account_id', cassandra: 'account_id' },
  type: { type: 'text', mongo: 'type', cassandra: 'type' },
  secretHash: { type: 'text', mongo: 'secret_hash', cassandra: 'secret_hash' },
  label: { type: 'text', mongo: 'label', cassandra: 'label' },
  createdAt: { type: 'date', mongo: 'created_at', cassandra: 'created_at' },
  usedAt: { type: 'date', mongo: 'used_at', cassandra: 'used_at' },
  version: { type: 'integer', mongo: 'version', cassandra: 'version' },
};

/** An account's credentials (a disable or password change ends them all). */
export const CREDENTIALS_BY_ACCOUNT: CassandraTable<Credential> = {
  name: 'credentials_by_account',
  partitionKey: 'account_id',
  keys: ['account_id', 'id'],
  cells: ['type'],
  idColumn: 'id',
  row: (credential) => ({
    account_id: credential.accountId,
    id: credential.id,
    type: credential.type,
  }),
};

export const CREDENTIAL_KIND: RecordKind<Credential> = {
  name: 'credential',
  plural: 'credentials',
  fields: CREDENTIAL_FIELDS,
  writtenAt: (credential) => credential.version,
  deletions: {
    name: 'credential-deletions',
    mongo: 'credential_deletions',
    cassandra: 'deleted_credentials',
  },
  mongo: { collection: 'credentials' },
  cassandra: {
    base: baseTable<Credential>('credentials', CREDENTIAL_FIELDS),
    derived: [CREDENTIALS_BY_ACCOUNT],
  },
};
