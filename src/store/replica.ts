import { Hash64 } from '../common/hash';
import { StoreName } from '../config/migration-phase';
import { KindRecord, RecordKind } from '../kinds/record-kind';

/*
 * The port the migration engine (backfill, verify, reconcile, hint retry) uses: each store as a
 * replica of the records of every declared kind. Features never see it; they use PostStore.
 */

/** A batch of records read in the store's scan order, and where the scan stands after it. */
export interface ScanPage<T> {
  items: T[];
  /** pass back as `after` to continue right behind the last item */
  position: string;
}

/** A record's deletion as a store records it: what a backfill copies, what a repair applies. */
export interface Deletion {
  id: string;
  /** the deletion's version (microseconds) */
  deletedAt: number;
}

/** What a store holds of a record: the record, its recorded deletion, or nothing at all. */
export type RecordState<R extends KindRecord = KindRecord> =
  { kind: 'live'; record: R } | { kind: 'deleted'; deletedAt: number } | { kind: 'absent' };

/**
 * One stored row as a scan saw it: enough to remove exactly that row again (its table, its
 * primary key values and the newest write timestamp among its cells, where the store has them).
 */
export interface SeenRow {
  table: string;
  key: unknown[];
  /** microseconds; null where the store keeps none (MongoDB) or the row has no timestamped cell */
  writetime: number | null;
}

/** A row a scan found, with the hash it had. */
export interface SeenEntry {
  hash: string;
  row: SeenRow;
}

/**
 * Where a verify scan reports what it read. A channel is one comparison: a kind's channel
 * (`post`, `comment`) compares the two stores record by record (role = store name); a store's
 * own channels compare what it derived from its records with what they say it must be (roles
 * `expected` and `actual`).
 */
export interface VerifySink {
  /** false: the sink ignores `seen`, so a scan need not build it (nor read write times) */
  readonly keepsRows: boolean;
  add(channel: string, role: string, id: string, hash: Hash64, seen?: SeenRow): void;
}

/** A check a store makes of its own derived data (roles `expected` / `actual`). */
export interface OwnChannel {
  /** `<store>.<table or collection>` */
  name: string;
  /** the record kind whose ids the channel names; undefined: ids are the channel's own */
  kind?: string;
  /** what a difference's `entity` is: the kind's name, or the channel's own (e.g. `partition`) */
  entity: string;
  /** rows of a query table: counted as derived rows in a verify report */
  rows: boolean;
}

/** Writes a backfill's pages of one kind; made once per run, so a store may prepare it once. */
export type RecordWriter<R extends KindRecord> = (
  records: readonly R[],
  concurrency: number,
) => Promise<void>;

/**
 * A store as the migration sees it. Every write here is a replica write: it copies a decision
 * another store made, is idempotent, and is ordered by the record's version (an older version,
 * or a record deleted later, changes nothing, whatever order the writes arrive in). Every method
 * rejects when the store cannot answer.
 */
export abstract class Replica {
  abstract readonly name: StoreName;

  /** Records of the kind in the store's scan order, from right behind `after`. */
  abstract scan<R extends KindRecord>(
    kind: RecordKind<R>,
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<R>>;

  /** The kind's recorded deletions (tombstones), in the store's scan order. */
  abstract scanDeletions(
    kind: RecordKind,
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<Deletion>>;

  /** A quick estimate of how many records of the kind the store holds (progress, ETA). */
  abstract estimate(kind: RecordKind): Promise<number>;

  /** Exactly how many records of the kind lie behind `after` (a dry run's answer). */
  abstract countAfter(kind: RecordKind, after?: string): Promise<number>;

  /** The writer of a backfill run's pages of `kind`. */
  abstract writer<R extends KindRecord>(kind: RecordKind<R>): RecordWriter<R>;

  /**
   * Writes this version of the record unless the store holds a newer one or a later deletion.
   * `predecessor` is what came right before it in the store that decided: `null` for a new
   * record, the previous version for an edit; leave it out when unknown (the store finds out).
   */
  abstract apply<R extends KindRecord>(
    kind: RecordKind<R>,
    record: R,
    predecessor?: R | null,
  ): Promise<void>;

  /**
   * Deletes the record (and the records living under it) unless the store holds a version written
   * after `deletedAt`. `last`, when known, is the version the deletion removed.
   */
  abstract applyDelete<R extends KindRecord>(
    kind: RecordKind<R>,
    id: string,
    deletedAt: number,
    last?: R,
  ): Promise<void>;

  /**
   * apply for many records of the kind, no predecessors known (a hint retry's batch): the same
   * outcome as applying each, in as few round trips as the store allows.
   */
  abstract applyMany<R extends KindRecord>(
    kind: RecordKind<R>,
    records: readonly R[],
    concurrency: number,
  ): Promise<void>;

  /** applyDelete for many deletions (a backfill's page). */
  abstract applyDeletes(
    kind: RecordKind,
    deletions: readonly Deletion[],
    concurrency: number,
  ): Promise<void>;

  /** What the store holds of the record now. */
  abstract state<R extends KindRecord>(kind: RecordKind<R>, id: string): Promise<RecordState<R>>;

  /**
   * state for many records of the kind (a hint retry's batch), in as few round trips as the store
   * allows: every id asked for is in the answer.
   */
  abstract states<R extends KindRecord>(
    kind: RecordKind<R>,
    ids: readonly string[],
    concurrency: number,
  ): Promise<Map<string, RecordState<R>>>;

  /** The checks of its own derived data this store makes in a verify. */
  abstract ownChannels(): OwnChannel[];

  /**
   * Reads every record and derived row once and reports each to the sink: every kind's records
   * on the kind's channel (if `channels` has it), and the store's own channels that are asked for.
   */
  abstract verifyScan(sink: VerifySink, channels: ReadonlySet<string>): Promise<void>;

  /**
   * Makes this store's rows of the record exactly what `state` (the primary's) requires, given
   * every row of it a scan found (`seen`): rows that should not be there are removed at their own
   * write time (so a newer write survives), missing or drifted rows are written again.
   */
  abstract repair<R extends KindRecord>(
    kind: RecordKind<R>,
    id: string,
    state: RecordState<R>,
    seen: SeenEntry[],
  ): Promise<void>;

  /** Repairs a difference of one of the store's own channels that names no record kind. */
  abstract repairOwn(channel: string, id: string): Promise<void>;
}

/** The kind has no store methods in this store: its declaration alone is not enough. */
export class UnsupportedKindError extends Error {
  constructor(store: string, kind: string) {
    super(`${store} has no store methods for record kind ${kind}`);
  }
}
