import { types } from 'cassandra-driver';
import { randomUUID } from 'node:crypto';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { LwtProof, LwtResult, provenLwt } from '../../database/cassandra/lwt-outcome';
import { POSTS_BY_ID } from '../../kinds/post.kind';
import { long } from './cql';

/** How long a claimed head may run ahead of the data before it counts as abandoned. */
export const ABANDONED_CLAIM_MS = 30_000;

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
 *
 * Each claim writes its own random `claim_id` with the head, so a claim whose answer was lost
 * (timeout, reset connection) is settled by reading the head back at SERIAL (provenLwt): our id
 * there means we won, and nothing is claimed twice or refused by mistake.
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
    const claimId = types.Uuid.fromString(randomUUID());
    const first = await this.move(id, expected, next, claimId);
    if (first.applied) return true;

    const head = headOf(first);
    if (head === undefined) {
      const inserted = await provenLwt(
        this.client,
        `INSERT INTO ${this.client.table(this.tables.heads)} (id, version, claimed_at, claim_id) VALUES (?, ?, ?, ?) IF NOT EXISTS`,
        [id, long(next), new Date(this.now()), claimId],
        this.proof(id, claimId, (row) => row === undefined),
      );
      return inserted.applied;
    }
    if (head === data) return false; // someone else won meanwhile
    if (head > data && !(next > head && (await this.abandoned(id, head)))) return false;
    return (await this.move(id, head, next, claimId)).applied;
  }

  /** The head moved from `from` to `next` by compare-and-set, writing our claim id with it. */
  private move(id: string, from: number, next: number, claimId: types.Uuid): Promise<LwtResult> {
    return provenLwt(
      this.client,
      `UPDATE ${this.client.table(this.tables.heads)} SET version = ?, claimed_at = ?, claim_id = ? WHERE id = ? IF version = ?`,
      [long(next), new Date(this.now()), claimId, id, long(from)],
      this.proof(id, claimId, (row) => row !== undefined && versionOf(row) === from),
    );
  }

  /** How a claim whose answer was lost is settled: the head read back at LOCAL_SERIAL. */
  private proof(
    id: string,
    claimId: types.Uuid,
    open: (row: types.Row | undefined) => boolean,
  ): LwtProof {
    return {
      readBack: async () =>
        (
          await this.client.execute(
            `SELECT version, claim_id FROM ${this.client.table(this.tables.heads)} WHERE id = ?`,
            [id],
            { idempotent: true, consistency: types.consistencies.localSerial },
          )
        ).first() ?? undefined,
      ours: (row) =>
        (row?.get('claim_id') as types.Uuid | null | undefined)?.equals(claimId) === true,
      open,
    };
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

/** The head version a failed compare-and-set saw; undefined when the post has none yet. */
function headOf(result: LwtResult): number | undefined {
  return result.row ? versionOf(result.row) : undefined;
}

function versionOf(row: types.Row): number | undefined {
  const version = row.get('version') as types.Long | null | undefined;
  return version === null || version === undefined ? undefined : Number(version);
}
