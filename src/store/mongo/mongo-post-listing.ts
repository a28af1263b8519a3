import { Collection, mongo } from 'mongoose';
import { decodeCursor, pageFromRows } from '../cursor';
import { PostSort } from '../post';
import { ListPostsQuery, PostPage } from '../post-store';
import { PostDocument, summaryFromDocument } from './mongo-documents';

/** The indexed field and direction of each sort; the id breaks ties in the same direction. */
const ORDER: Record<PostSort, { field: 'created_at' | 'title_key'; dir: 1 | -1 }> = {
  newest: { field: 'created_at', dir: -1 },
  oldest: { field: 'created_at', dir: 1 },
  title: { field: 'title_key', dir: 1 },
  'title-desc': { field: 'title_key', dir: -1 },
};

// listing pages never need the content, which can be 50 000 characters
const LISTING_PROJECTION = { content: 0 } as const;

/**
 * One page by keyset: the documents strictly after (or before) the cursor's (key, id) in the
 * sort order, read with the compound (field, _id) index. Fetches one extra document to know
 * whether a further page exists in the direction read.
 */
export async function listPostsPage(
  posts: Collection<PostDocument>,
  query: ListPostsQuery,
): Promise<PostPage> {
  const { field, dir } = ORDER[query.sort];
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : undefined;
  const backwards = cursor?.direction === 'before';
  // reading backwards = reading the reverse order from the cursor, then flipping the page
  const readDir: 1 | -1 = backwards ? (dir === 1 ? -1 : 1) : dir;
  const filter: mongo.Filter<PostDocument> = {};
  if (cursor) {
    const key = field === 'created_at' ? new Date(cursor.key as number) : cursor.key;
    const op = readDir === 1 ? '$gt' : '$lt';
    Object.assign(filter, {
      $or: [{ [field]: { [op]: key } }, { [field]: key, _id: { [op]: cursor.id } }],
    });
  }
  const docs = await posts
    .find(filter, { projection: LISTING_PROJECTION })
    .sort({ [field]: readDir, _id: readDir })
    .limit(query.limit + 1)
    .toArray();
  return pageFromRows(docs.map(summaryFromDocument), query.sort, query.limit, cursor);
}
