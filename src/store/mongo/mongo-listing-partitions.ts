import { mongo } from 'mongoose';
import { fromDocument, plain } from '../../kinds/record-kind';
import { Post, POST_KIND } from '../../kinds/post.kind';
import { duplicatesOf, PostDocument } from './mongo-documents';

/** The partitions each post listing has posts in (the Cassandra model's listing_partitions). */
export const LISTING_PARTITIONS_COLLECTION = 'post_listing_partitions';

/** A listing and the post field that names its partition. */
export const LISTINGS = { month: 'month', title: 'title_prefix' } as const;
export type PostListing = keyof typeof LISTINGS;

export interface ListingPartitionDocument {
  /** `<listing>:<partition>`, so noting a partition twice is a duplicate key */
  _id: string;
  listing: PostListing;
  partition: string;
}

/** The partitions a post lives in, one per listing. */
export function partitionDocuments(posts: readonly Post[]): ListingPartitionDocument[] {
  const docs = new Map<string, ListingPartitionDocument>();
  for (const post of posts) {
    const fields = POST_KIND.mongo.derived!(post);
    for (const listing of Object.keys(LISTINGS) as PostListing[]) {
      const partition = fields[LISTINGS[listing]] as string;
      docs.set(`${listing}:${partition}`, { _id: `${listing}:${partition}`, listing, partition });
    }
  }
  return [...docs.values()];
}

/**
 * The listing partitions of MongoDB's posts. A listing page reads one partition at a time
 * (`{month: …}` or `{title_prefix: …}`, an equality FerretDB pushes down to PostgreSQL, where a
 * sort and limit are not), so it must know which partitions hold posts: each is noted here
 * before a post document that needs it is written (a crash in between leaves an empty partition,
 * which costs a page one more query, never a post missing from the listing). Partitions are
 * never removed: a post's deletion or a title's change can leave one empty.
 */
export class MongoListingPartitions {
  constructor(private readonly collection: () => mongo.Collection<ListingPartitionDocument>) {}

  /** Notes the partitions of these posts (an insert; those already noted are duplicates). */
  async note(posts: readonly Post[]): Promise<void> {
    const docs = partitionDocuments(posts);
    if (docs.length === 0) return;
    await duplicatesOf(this.collection().insertMany(docs, { ordered: false }));
  }

  /** The listing's partitions in ascending order (months, title prefixes: their byte order). */
  async of(listing: PostListing): Promise<string[]> {
    const docs = await this.collection().find({ listing }).toArray();
    return docs.map((doc) => doc.partition).sort();
  }
}

/** The listing partitions of a database's posts (for code that holds a driver Db). */
export function listingPartitionsOf(db: mongo.Db): MongoListingPartitions {
  return new MongoListingPartitions(() =>
    db.collection<ListingPartitionDocument>(LISTING_PARTITIONS_COLLECTION),
  );
}

/** How a `rederive` went: documents read, and those whose derived fields were rewritten. */
export interface RederiveResult {
  scanned: number;
  rewritten: number;
}

const REDERIVE_BATCH = 500;

/**
 * Recomputes the derived fields of every post document (after a release added one, or a restore
 * of a backup taken before) and notes every post's listing partitions. A document is rewritten
 * only when a field differs, and only at the version it was read at: a post edited meanwhile was
 * written with its own derived fields.
 */
export async function rederivePosts(db: mongo.Db): Promise<RederiveResult> {
  const posts = db.collection<PostDocument>(POST_KIND.mongo.collection);
  const partitions = listingPartitionsOf(db);
  const result: RederiveResult = { scanned: 0, rewritten: 0 };
  let records: Post[] = [];
  let updates: mongo.AnyBulkWriteOperation<PostDocument>[] = [];
  const flush = async () => {
    await partitions.note(records);
    if (updates.length > 0) await posts.bulkWrite(updates, { ordered: false });
    result.rewritten += updates.length;
    records = [];
    updates = [];
  };
  for await (const doc of posts.find({}).batchSize(REDERIVE_BATCH)) {
    result.scanned++;
    const post = fromDocument(POST_KIND, doc as unknown as Record<string, unknown>);
    records.push(post);
    const derived = POST_KIND.mongo.derived!(post);
    const stored = doc as unknown as Record<string, unknown>;
    // compared as verify compares them (its own channel of MongoDB's derived fields)
    const stale = Object.entries(derived).some(
      ([field, value]) => plain(stored[field]) !== plain(value),
    );
    if (stale) {
      updates.push({
        updateOne: { filter: { _id: doc._id, version: doc.version }, update: { $set: derived } },
      });
    }
    if (records.length >= REDERIVE_BATCH) await flush();
  }
  await flush();
  return result;
}
