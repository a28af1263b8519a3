import { mapConcurrent } from '../../common/map-concurrent';

/** What a secondary store missed: enough to find the record again in the primary. */
export interface Hint {
  /** the record kind's name (RecordKind.name) */
  entity: string;
  /** the record's id */
  id: string;
  /**
   * The record it lives under, else its own id (a comment: its post's id; a post: its own). Kept
   * in the stores' `post_id` field and column.
   */
  postId: string;
  op: 'upsert' | 'delete';
  /** when the miss happened, microseconds since the epoch; orders misses of one record */
  at: number;
  /** the secondary's error, first line only */
  error: string;
  /** the request whose write was missed (its X-Request-Id), to find its log lines; absent for hints made outside a request */
  requestId?: string;
}

/**
 * Durable list of writes a dual-write's secondary store missed, kept in the primary store (the
 * one that just accepted the write, so it is up). One entry per record: a newer miss of the
 * same record replaces an older one, because the retry re-reads the record from the primary
 * anyway and copies whatever it holds then.
 */
export abstract class HintLog {
  /** The store the hints are kept in. */
  abstract readonly store: string;

  /** Keeps the hint unless the log already holds a newer miss of the same record. */
  abstract record(hint: Hint): Promise<void>;

  /** How many records have a pending hint. */
  abstract pending(): Promise<number>;

  /** Up to `limit` pending hints, oldest first where the store can tell cheaply. */
  abstract list(limit: number): Promise<Hint[]>;

  /** Removes this hint, but not a newer miss of the same record recorded since it was read. */
  abstract remove(hint: Hint): Promise<void>;

  /**
   * remove for many hints (a hint retry's batch), each on the same terms; a store that can
   * removes them in fewer round trips than one each.
   */
  async removeMany(hints: readonly Hint[], concurrency: number): Promise<void> {
    await mapConcurrent(hints, concurrency, (hint) => this.remove(hint));
  }
}
