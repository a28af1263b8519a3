import { types } from 'cassandra-driver';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { Account, ACCOUNT_KIND, ACCOUNT_NAMES_TABLE } from '../../kinds/account.kind';
import { RecordState } from '../replica';
import { NameClashError, UsernameTakenError } from '../store-errors';
import { LWT, LwtProof, provenLwt } from '../../database/cassandra/lwt-outcome';
import { PostClaims } from './cassandra-post-claims';
import { CassandraVersionedRecords } from './cassandra-versioned-records';

/**
 * A claim on a name whose account was never written (its writer died between the two) is taken
 * over after this long; a claim younger than this is an account being created right now.
 */
export const ABANDONED_NAME_MS = 60_000;

/**
 * Accounts in Cassandra. A username is unique because an account may only hold it after claiming
 * it in `account_names` with a lightweight transaction (INSERT IF NOT EXISTS): of two instances
 * creating the same name at the same moment, exactly one claim is applied. A rename claims the
 * new name before the change and releases the old one after it.
 *
 * A claim can outlive its reason (a rename whose release failed, a copy that arrived without its
 * predecessor, a writer that died before writing its account): a later claimant takes it over
 * only when the holder no longer has that name, or never came to exist within
 * ABANDONED_NAME_MS, again by compare-and-set.
 */
export class CassandraAccountRecords extends CassandraVersionedRecords<Account> {
  constructor(
    client: CassandraClient,
    claims: PostClaims,
    private readonly now: () => number = Date.now,
  ) {
    super(ACCOUNT_KIND, client, claims);
  }

  /** The id of the account holding the name, if any (its claim, checked against the account). */
  async holderOf(username: string): Promise<string | undefined> {
    const result = await this.client.execute(
      `SELECT account_id FROM ${this.client.table(ACCOUNT_NAMES_TABLE)} WHERE username = ?`,
      [username],
      { idempotent: true },
    );
    return (result.first()?.get('account_id') as string | null | undefined) ?? undefined;
  }

  override async create(account: Account): Promise<void> {
    const holder = await this.claim(account.username, account.id);
    if (holder !== undefined) throw new UsernameTakenError(account.username);
    try {
      await super.create(account);
    } catch (error) {
      await this.release(account.username, account.id).catch(() => undefined);
      throw error;
    }
  }

  override async update(next: Account, previous: Account): Promise<boolean> {
    const renamed = next.username !== previous.username;
    if (renamed && (await this.claim(next.username, next.id)) !== undefined) {
      throw new UsernameTakenError(next.username);
    }
    if (!(await super.update(next, previous))) {
      if (renamed) await this.release(next.username, next.id);
      return false;
    }
    if (renamed) await this.release(previous.username, previous.id);
    return true;
  }

  /**
   * A copy: the account takes its name (the primary gave it to it) unless another account holds
   * the name here, which is reported (NameClashError: hinted, logged), never hidden.
   */
  override async apply(account: Account, predecessor?: Account | null): Promise<void> {
    const holder = await this.claim(account.username, account.id);
    if (holder !== undefined) {
      throw new NameClashError('cassandra', account.username, account.id, holder);
    }
    await super.apply(account);
    if (predecessor && predecessor.username !== account.username) {
      await this.release(predecessor.username, account.id);
    }
  }

  /** After a repair wrote the account: its name is claimed for it too (or the clash reported). */
  async repaired(state: RecordState<Account>): Promise<void> {
    if (state.kind !== 'live') return;
    const holder = await this.claim(state.record.username, state.record.id);
    if (holder !== undefined) {
      throw new NameClashError('cassandra', state.record.username, state.record.id, holder);
    }
  }

  /**
   * Claims the name for the account; the id of another holder when it cannot. The account's id
   * is the claim's unique value: a claim whose answer was lost is read back (provenLwt), and our
   * id there means we hold the name.
   */
  private async claim(username: string, accountId: string): Promise<string | undefined> {
    const names = this.client.table(ACCOUNT_NAMES_TABLE);
    const holderOf = (row?: types.Row) =>
      (row?.get('account_id') as string | null | undefined) ?? undefined;
    const proof = (open: (row?: types.Row) => boolean): LwtProof => ({
      readBack: async () =>
        (
          await this.client.execute(
            `SELECT account_id, claimed_at FROM ${names} WHERE username = ?`,
            [username],
            { idempotent: true, consistency: types.consistencies.localSerial },
          )
        ).first() ?? undefined,
      ours: (row) => holderOf(row) === accountId,
      open,
    });
    const inserted = await provenLwt(
      this.client,
      `INSERT INTO ${names} (username, account_id, claimed_at) VALUES (?, ?, ?) IF NOT EXISTS`,
      [username, accountId, new Date(this.now())],
      proof((row) => row === undefined),
    );
    if (inserted.applied) return undefined;
    const holder = holderOf(inserted.row) as string;
    if (holder === accountId) return undefined;
    const claimedAt = inserted.row?.get('claimed_at') as Date | null;
    if (!(await this.stale(username, holder, claimedAt))) return holder;
    const taken = await provenLwt(
      this.client,
      `UPDATE ${names} SET account_id = ?, claimed_at = ? WHERE username = ? IF account_id = ?`,
      [accountId, new Date(this.now()), username, holder],
      proof((row) => holderOf(row) === holder),
    );
    // someone else took it over first
    return taken.applied ? undefined : holder;
  }

  /** The holder no longer has the name, or never came to exist in time. */
  private async stale(username: string, holder: string, claimedAt: Date | null): Promise<boolean> {
    const account = await this.get(holder);
    if (account) return account.username !== username;
    return !claimedAt || this.now() - claimedAt.getTime() >= ABANDONED_NAME_MS;
  }

  private async release(username: string, accountId: string): Promise<void> {
    await this.client.execute(
      `DELETE FROM ${this.client.table(ACCOUNT_NAMES_TABLE)} WHERE username = ? IF account_id = ?`,
      [username, accountId],
      LWT,
    );
  }
}
