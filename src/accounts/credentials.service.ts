import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { Account, AccountStore, Credential, CredentialType } from '../store/account-store';
import { deleteVersion, isValidId, newId, nextVersion } from '../store/versions';

/** usedAt is written at most this often: sessions' idle timeout needs minutes, not every request. */
export const USED_AT_RESOLUTION_MS = 60_000;
const SECRET_BYTES = 32;
/** A credential changed by this many requests in a row while being ended is a bug, not a race. */
const MAX_END_ATTEMPTS = 5;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A request's proof of who it acts for: the account and the credential that showed it. */
export interface Authenticated {
  account: Account;
  credential: Credential;
}

/** What a client holds: `<credential id>.<secret>` (a cookie value or a bearer token). */
export interface IssuedCredential {
  credential: Credential;
  value: string;
}

function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/**
 * Sessions (signed-in browsers) and API tokens (JSON clients). The secret is shown once and only
 * its sha256 is stored, so a copy of either store lets nobody in; a credential ends for real by
 * being deleted, so a replayed cookie finds nothing.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly store: AccountStore,
    private readonly config: AppConfig,
  ) {}

  issueSession(account: Account): Promise<IssuedCredential> {
    return this.issue(account, 'session', '');
  }

  issueToken(account: Account, label: string): Promise<IssuedCredential> {
    return this.issue(account, 'token', label);
  }

  /** The account a session cookie signs in, or null (unknown, ended, expired, disabled). */
  resolveSession(value: string): Promise<Authenticated | null> {
    return this.resolve(value, 'session');
  }

  /** The account a bearer token acts for, or null (unknown, revoked, disabled). */
  resolveToken(value: string): Promise<Authenticated | null> {
    return this.resolve(value, 'token');
  }

  async tokensOf(accountId: string): Promise<Credential[]> {
    return (await this.store.credentialsOf(accountId)).filter((c) => c.type === 'token');
  }

  /** Deletes a token by id; false when there is no such token. */
  async revokeToken(id: string): Promise<boolean> {
    const credential = isValidId(id) ? await this.store.getCredential(id) : null;
    if (!credential || credential.type !== 'token') return false;
    await this.end(credential);
    return true;
  }

  /**
   * Deletes the credential, whatever version it has reached: the store deletes only the version
   * read (a session seen again meanwhile must not outlive its logout), so a lost race re-reads.
   */
  async end(credential: Credential): Promise<void> {
    let current: Credential | null = credential;
    for (let attempt = 0; current && attempt < MAX_END_ATTEMPTS; attempt++) {
      if (await this.store.deleteCredential(current, deleteVersion(current.version))) return;
      current = await this.store.getCredential(current.id);
    }
    if (current) throw new Error(`credential ${credential.id} kept changing while it was ended`);
  }

  /** Ends an account's credentials of the given types, except the one with id `keep`. */
  async endAll(accountId: string, types: CredentialType[], keep?: string): Promise<number> {
    const ending = (await this.store.credentialsOf(accountId)).filter(
      (c) => types.includes(c.type) && c.id !== keep,
    );
    for (const credential of ending) await this.end(credential);
    return ending.length;
  }

  private async issue(
    account: Account,
    type: CredentialType,
    label: string,
  ): Promise<IssuedCredential> {
    const now = new Date();
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    const credential: Credential = {
      id: newId(now),
      accountId: account.id,
      type,
      secretHash: sha256(secret),
      label,
      createdAt: now,
      usedAt: now,
      version: nextVersion(),
    };
    await this.store.createCredential(credential);
    return { credential, value: `${credential.id}.${secret}` };
  }

  private async resolve(value: string, type: CredentialType): Promise<Authenticated | null> {
    const [id, secret, ...rest] = value.split('.');
    // malformed values never reach the store
    if (rest.length > 0 || !isValidId(id) || !SECRET_PATTERN.test(secret ?? '')) return null;
    const credential = await this.store.getCredential(id);
    if (!credential || credential.type !== type) return null;
    if (!sameHash(sha256(secret), credential.secretHash)) return null;
    const now = Date.now();
    if (type === 'session' && this.expired(credential, now)) {
      await this.end(credential);
      return null;
    }
    const account = await this.store.getAccount(credential.accountId);
    if (!account || account.disabled) return null;
    return { account, credential: await this.seen(credential, now) };
  }

  private expired(session: Credential, now: number): boolean {
    return (
      now - session.usedAt.getTime() > this.config.sessionIdleTimeoutMs ||
      now - session.createdAt.getTime() > this.config.sessionMaxAgeMs
    );
  }

  /** Records the use, at most once a minute; losing that race to another request is fine. */
  private async seen(credential: Credential, now: number): Promise<Credential> {
    if (now - credential.usedAt.getTime() < USED_AT_RESOLUTION_MS) return credential;
    const next = { ...credential, usedAt: new Date(now), version: nextVersion(credential.version) };
    return (await this.store.updateCredential(next, credential)) ? next : credential;
  }
}
