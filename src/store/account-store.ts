import { Account } from '../kinds/account.kind';
import { Credential } from '../kinds/credential.kind';

export type { Account, Role } from '../kinds/account.kind';
export { ROLES } from '../kinds/account.kind';
export type { Credential, CredentialType } from '../kinds/credential.kind';

/**
 * The port accounts and sign-in depend on: accounts (unique usernames) and their credentials
 * (sessions and API tokens). One implementation per store, a dual-write one over a primary and a
 * secondary, and a phase-routed one for features, exactly like PostStore.
 *
 * Usernames are unique in every phase: MongoDB keeps that with a unique index, Cassandra with a
 * lightweight-transaction claim on the name; in the dual phases the primary decides and the copy
 * to the secondary follows (a clash found there is reported as a missed copy, never hidden).
 *
 * All methods reject when the store cannot answer; none of them swallows an error.
 */
export abstract class AccountStore {
  abstract readonly name: string;

  /**
   * Stores a new account (fresh id). Rejects with UsernameTakenError, storing nothing, when
   * another account holds the username (usernames are compared as stored: lower case).
   */
  abstract createAccount(account: Account): Promise<void>;

  /** The account, or null. */
  abstract getAccount(id: string): Promise<Account | null>;

  /** The account holding this username (lower case), or null. */
  abstract accountNamed(username: string): Promise<Account | null>;

  /** Every account, by username. (A blog has few; an admin page lists them all.) */
  abstract listAccounts(): Promise<Account[]>;

  /**
   * Replaces `previous` (as the caller read it) with `next` (same id, a higher version) if the
   * stored version is still `previous.version`; false, changing nothing, otherwise. A new
   * username must be free (UsernameTakenError) and the old one is freed.
   */
  abstract updateAccount(next: Account, previous: Account): Promise<boolean>;

  /** Stores a new credential (fresh id). */
  abstract createCredential(credential: Credential): Promise<void>;

  /** The credential, or null (never created, or deleted). */
  abstract getCredential(id: string): Promise<Credential | null>;

  /** An account's credentials, oldest first. */
  abstract credentialsOf(accountId: string): Promise<Credential[]>;

  /**
   * Replaces `previous` with `next` (a higher version: a session seen again) if the stored
   * version is still `previous.version` and it was not deleted; false otherwise.
   */
  abstract updateCredential(next: Credential, previous: Credential): Promise<boolean>;

  /**
   * Deletes `credential` (as the caller read it) if the stored version is still
   * `credential.version`; `deletedAt` (a version from deleteVersion) orders the deletion after
   * every write of it, and a tombstone keeps any late copy out. Returns false, changing nothing,
   * when it changed meanwhile (a session seen again: re-read and try again) or is already gone.
   */
  abstract deleteCredential(credential: Credential, deletedAt: number): Promise<boolean>;
}
