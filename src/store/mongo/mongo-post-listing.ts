import { Collection, mongo } from 'mongoose';
import { decodeCursor, pageFromRows, partitionOfCursor } from '../cursor';
import { PostSort } from '../post';
import { ListPostsQuery, PostPage } from '../post-store';
import { PostDocument, summaryFromDocument } from './mongo-documents';
import { LISTINGS, MongoListingPartitions, PostListing } from './mongo-listing-partitions';

/**
 * The listing (partitioned by month or by the title's first letter), the indexed sort field and
 * direction of each sort; the id breaks ties in the same direction. Indexes
 * (month, created_at, _id) and (title_prefix, title_key, _id) serve each partition's page.
 */
const ORDER: Record<
  PostSort,
  { listing: PostListing; field: 'created_at' | 'title_key'; dir: 1 | -1 }
> = {
  newest: { listing: 'month', field: 'created_at', dir: -1 },
  oldest: { listing: 'month', field: 'created_at', dir: 1 },
  title: { listing: 'title', field: 'title_key', dir: 1 },
  'title-desc': { listing: 'title', field: 'title_key', dir: -1 },
};

// listing pages never need the content, which can be 50 000 characters
const LISTING_PROJECTION = { content: 0 } as const;

/**
 * One page by keyset, a listing partition at a time, as Cassandra reads it: in the cursor's
 * partition the documents strictly after (or before) the cursor's (key, id) in sort order, then
 * the following partitions until the page is full. Every query names one partition, so a
 * MongoDB-wire server that sorts in memory (FerretDB) sorts that partition, not the collection.
 * One document more than the page tells whether another page exists in the direction read.
 */
export async function listPostsPage(
  posts: Collection<PostDocument>,
  partitions: MongoListingPartitions,
  query: ListPostsQuery,
): Promise<PostPage> {
  const { listing, field, dir } = ORDER[query.sort];
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : undefined;
  const backwards = cursor?.direction === 'before';
  // reading backwards = reading the reverse order from the cursor, then flipping the page
  const readDir: 1 | -1 = backwards ? (dir === 1 ? -1 : 1) : dir;

  let names = await partitions.of(listing); // ascending
  if (readDir === -1) names.reverse();
  const start = cursor ? partitionOfCursor(cursor) : undefined;
  if (start !== undefined) names = names.filter((p) => (readDir === 1 ? p >= start : p <= start));

  const docs: Omit<PostDocument, 'content'>[] = [];
  for (const partition of names) {
    const want = query.limit + 1 - docs.length;
    if (want <= 0) break;
    const filter: mongo.Filter<PostDocument> = { [LISTINGS[listing]]: partition };
    if (cursor && partition === start) {
      const key = field === 'created_at' ? new Date(cursor.key as number) : cursor.key;
      const op = readDir === 1 ? '$gt' : '$lt';
      filter.$or = [{ [field]: { [op]: key } }, { [field]: key, _id: { [op]: cursor.id } }];
    }
    docs.push(
      ...(await posts
        .find(filter, { projection: LISTING_PROJECTION })
        .sort({ [field]: readDir, _id: readDir })
        .limit(want)
        .toArray()),
    );
  }
  return pageFromRows(docs.map(summaryFromDocument), query.sort, query.limit, cursor);
}
