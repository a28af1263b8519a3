import { types } from 'cassandra-driver';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { POSTS_BY_ID } from '../../kinds/post.kind';
import { long } from './cql';

/** How long a claimed head may run ahead of the data before it counts as abandoned. */
export const ABANDONED_CLAIM_MS = 30_000;

/** Options of every lightweight transaction (compare-and-set). */
export const LWT = {
  // never retried blindly: a timed-out Paxos round may or may not have been applied
  idempotent: false,
  consistency: types.consistencies.localQuorum,
  serialConsistency: types.consistencies.localSerial,
} as const;

/**
 * Compare-and-set on a post's (or another versioned record's) head version, the decision behind Cassandra's request writes
 * ("change it only if it is still at the version the editor read"). Cassandra cannot combine a
 * condition (IF) with USING TIMESTAMP, so the condition lives in `post_heads`, written only by
 * lightweight transactions, and the data tables keep their version timestamps.
 *
 * The head can disagree with the data in three ways, all resolved here:
 * - missing: the post was written by replica writes only (dual-write, backfill), never claimed;
 * - behind the data: replica writes moved the post on while another store was the primary;
 * - ahead of the data for long: a writer claimed a version and died before writing it.
 * In each case the data's version decides, and the head is moved by another compare-and-set, so
 * two writers racing through the same repair still cannot both win.
 */
export class PostClaims {
  constructor(
    private readonly client: CassandraClient,
    private readonly now: () => number = Date.now,
    /** the heads table and the data table whose `version` column it guards (by `id`) */
    private readonly tables: { heads: string; data: string } = {
      heads: 'post_heads',
      data: POSTS_BY_ID.name,
    },
  ) {}

  /** True when this caller moved the head from `expected` to `next` and may write `next`. */
  async claim(id: string, expected: number, next: number): Promise<boolean> {
    // The data decides what the editor may start from: replica writes (while another store was
    // the primary) move the data on without touching the head, so a head equal to `expected`
    // alone would let a stale editor win.
    const data = await this.dataVersion(id);
    if (data !== expected || next <= expected) return false;
    const heads = this.client.table(this.tables.heads);
    const first = await this.client.execute(
      `UPDATE ${heads} SET version = ?, claimed_at = ? WHERE id = ? IF version = ?`,
      [long(next), new Date(this.now()), id, long(expected)],
      LWT,
    );
    if (applied(first)) return true;

    const head = headOf(first);
    if (head === undefined) {
      const inserted = await this.client.execute(
        `INSERT INTO ${heads} (id, version, claimed_at) VALUES (?, ?, ?) IF NOT EXISTS`,
        [id, long(next), new Date(this.now())],
        LWT,
      );
      return applied(inserted);
    }
    if (head === data) return false; // someone else won meanwhile
    if (head > data && !(next > head && (await this.abandoned(id, head)))) return false;
    const moved = await this.client.execute(
      `UPDATE ${heads} SET version = ?, claimed_at = ? WHERE id = ? IF version = ?`,
      [long(next), new Date(this.now()), id, long(head)],
      LWT,
    );
    return applied(moved);
  }

  /** The head still holds `version`, claimed so long ago that its writer must be gone. */
  private async abandoned(id: string, version: number): Promise<boolean> {
    const result = await this.client.execute(
      `SELECT version, claimed_at FROM ${this.client.table(this.tables.heads)} WHERE id = ?`,
      [id],
      { idempotent: true, consistency: types.consistencies.localSerial },
    );
    const row = result.first();
    const claimedAt = row?.get('claimed_at') as Date | null | undefined;
    return (
      !!row &&
      Number(row.get('version')) === version &&
      !!claimedAt &&
      this.now() - claimedAt.getTime() >= ABANDONED_CLAIM_MS
    );
  }

  private async dataVersion(id: string): Promise<number | undefined> {
    const result = await this.client.execute(
      `SELECT version FROM ${this.client.table(this.tables.data)} WHERE id = ?`,
      [id],
      { idempotent: true },
    );
    const version = result.first()?.get('version') as types.Long | null | undefined;
    return version === null || version === undefined ? undefined : Number(version);
  }
}

function applied(result: types.ResultSet): boolean {
  return result.first()?.get('[applied]') === true;
}

/** The head version a failed compare-and-set saw; undefined when the post has none yet. */
function headOf(result: types.ResultSet): number | undefined {
  const version = result.first()?.get('version') as types.Long | null | undefined;
  return version === null || version === undefined ? undefined : Number(version);
}
