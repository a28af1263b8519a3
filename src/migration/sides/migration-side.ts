import { StoreName } from '../../config/migration-phase';
import { Comment, Post } from '../../store/post';
import { PostStore, StoreTotals } from '../../store/post-store';
import { Hash64 } from '../verify/record-hash';

/** A batch of records read in the store's scan order, and where the scan stands after it. */
export interface ScanPage<T> {
  items: T[];
  /** pass back as `after` to continue right behind the last item */
  position: string;
}

/** What the primary says a post is now: the post, its deletion, or nothing at all. */
export type PostState =
  { kind: 'live'; post: Post } | { kind: 'deleted'; deletedAt: number } | { kind: 'absent' };

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

/**
 * Where a verify scan reports what it read. A channel is one comparison: `post` and `comment`
 * compare the two stores (role = store name); a channel named after a table compares a store's
 * own derived rows with what its base records say they must be (roles `expected` / `actual`).
 */
export interface VerifySink {
  /** false: the sink ignores `seen`, so a scan need not build it (nor read write times) */
  readonly keepsRows: boolean;
  add(channel: string, role: string, id: string, hash: Hash64, seen?: SeenRow): void;
}

/** Every channel and which record type its ids name. */
export const CHANNELS = {
  post: 'post',
  comment: 'comment',
  'mongo.posts': 'post',
  'cassandra.posts_by_month': 'post',
  'cassandra.posts_by_title': 'post',
  'cassandra.posts_by_author': 'post',
  'cassandra.comments_by_post': 'comment',
  'cassandra.listing_partitions': 'partition',
} as const;
export type Channel = keyof typeof CHANNELS;
export type Entity = (typeof CHANNELS)[Channel];

export type PostWriter = (posts: readonly Post[], concurrency: number) => Promise<void>;

/** A plain store that also tells when it recorded a post's deletion. */
export type StoreWithDeletions = PostStore & {
  deletionOf(id: string): Promise<number | undefined>;
};

/** A store seen by the migration: scans in a resumable order, verify scans, point reads, repairs. */
export abstract class MigrationSide {
  abstract readonly name: StoreName;
  /** the plain store: backfill and hint retry copy through its replica writes */
  abstract readonly store: StoreWithDeletions;

  /** Posts in the store's scan order, from right behind `after` (undefined: from the start). */
  abstract scanPosts(after: string | undefined, pageSize: number): AsyncIterable<ScanPage<Post>>;

  /** Every post deletion the store recorded (its tombstones), in the store's scan order. */
  abstract scanDeletions(
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<Deletion>>;
  abstract scanComments(
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<Comment>>;

  /** A quick estimate of how many records a full copy reads, for progress and ETA. */
  abstract estimate(): Promise<StoreTotals>;

  /**
   * What writes a backfill's pages of posts into this store (its applyPosts). Made once per run,
   * so a side may first learn something that makes every page cheaper.
   */
  postWriter(): PostWriter {
    return (posts, concurrency) => this.store.applyPosts(posts, concurrency);
  }

  /** Exactly how many records lie behind each position (the dry run's answer). */
  abstract countAfter(postsAfter?: string, commentsAfter?: string): Promise<StoreTotals>;

  /** Reads every record and derived row once and reports each to the sink. */
  abstract verifyScan(sink: VerifySink, channels: ReadonlySet<Channel>): Promise<void>;

  async postState(id: string): Promise<PostState> {
    const post = await this.store.getPost(id);
    if (post) return { kind: 'live', post };
    const deletedAt = await this.store.deletionOf(id);
    return deletedAt === undefined ? { kind: 'absent' } : { kind: 'deleted', deletedAt };
  }

  getComment(id: string): Promise<Comment | null> {
    return this.store.getComment(id);
  }

  /**
   * Makes this store's rows of the post exactly what `state` requires, given every row of it a
   * scan found (`seen`, with their hashes): rows that should not be there are removed at their
   * own write time (so a newer write survives), missing or drifted rows are written again.
   */
  abstract repairPost(id: string, state: PostState, seen: SeenEntry[]): Promise<void>;

  /** The same for a comment; `comment` null = it must not exist here. */
  abstract repairComment(id: string, comment: Comment | null, seen: SeenEntry[]): Promise<void>;
}

/** A post's deletion as a store records it: the tombstone a backfill copies. */
export interface Deletion {
  id: string;
  /** the deletion's version (microseconds) */
  deletedAt: number;
}

/** A row a scan found, with the hash it had. */
export interface SeenEntry {
  hash: string;
  row: SeenRow;
}
