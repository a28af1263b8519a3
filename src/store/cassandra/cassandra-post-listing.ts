import { types } from 'cassandra-driver';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { decodeCursor, pageFromRows, partitionOfCursor } from '../cursor';
import { PostSort, PostSummary } from '../post';
import { ListPostsQuery, PostPage } from '../post-store';
import { Post, POSTS_BY_MONTH, POSTS_BY_TITLE } from '../../kinds/post.kind';
import { CassandraTable } from '../../kinds/record-kind';
import { LISTING_PARTITIONS } from './cql';
import { summaryFromRow } from './cassandra-post-rows';

interface ListingShape {
  /** the query table (its partition key, clustering columns and listing are declared there) */
  table: CassandraTable<Post>;
  /** the table clusters its rows in descending order (posts_by_month: newest first) */
  clusteringDesc: boolean;
  /** true when the sort reads the table's clustering order */
  natural: boolean;
  /** the partitions in the sort's order */
  ascending: boolean;
}

const BY_MONTH = { table: POSTS_BY_MONTH, clusteringDesc: true };
const BY_TITLE = { table: POSTS_BY_TITLE, clusteringDesc: false };

const SHAPES: Record<PostSort, ListingShape> = {
  newest: { ...BY_MONTH, natural: true, ascending: false },
  oldest: { ...BY_MONTH, natural: false, ascending: true },
  title: { ...BY_TITLE, natural: true, ascending: true },
  'title-desc': { ...BY_TITLE, natural: false, ascending: false },
};

/**
 * One page by keyset over partitioned query tables: starting in the cursor's partition, reads
 * rows strictly after (or before) the cursor's (key, id) in sort order, then continues through
 * the following non-empty partitions (listing_partitions) until the page is full. One row more
 * than the page tells whether another page exists in that direction.
 */
export async function listPostsPage(
  client: CassandraClient,
  query: ListPostsQuery,
): Promise<PostPage> {
  const shape = SHAPES[query.sort];
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : undefined;
  const backwards = cursor?.direction === 'before';
  // reading backwards = reading the opposite order from the cursor, then flipping the page
  const readAscending = backwards ? !shape.ascending : shape.ascending;
  const readNatural = backwards ? !shape.natural : shape.natural;
  const rowsAscending = shape.clusteringDesc ? !readNatural : readNatural;

  const partitionRows = await client.execute(
    `SELECT partition FROM ${client.table(LISTING_PARTITIONS)} WHERE listing = ?`,
    [shape.table.listing],
    { idempotent: true },
  );
  let partitions = partitionRows.rows.map((r) => r.get('partition') as string); // ascending
  if (!readAscending) partitions.reverse();
  if (cursor) {
    const start = partitionOfCursor(cursor);
    partitions = partitions.filter((p) => (readAscending ? p >= start : p <= start));
  }

  const [keyColumn, idColumn] = shape.table.keys.slice(1);
  const order = rowsAscending ? 'ASC' : 'DESC';
  const rows: PostSummary[] = [];
  for (const partition of partitions) {
    const want = query.limit + 1 - rows.length;
    if (want <= 0) break;
    const params: unknown[] = [partition];
    let bound = '';
    if (cursor && partition === partitionOfCursor(cursor)) {
      bound = ` AND (${keyColumn}, ${idColumn}) ${rowsAscending ? '>' : '<'} (?, ?)`;
      params.push(
        keyColumn === 'created_at' ? new Date(cursor.key as number) : cursor.key,
        cursor.id,
      );
    }
    params.push(want);
    const result = await client.execute(
      `SELECT id, title, author, excerpt, created_at, updated_at, version FROM ${client.table(shape.table.name)} WHERE ${shape.table.partitionKey} = ?${bound} ORDER BY ${keyColumn} ${order}, ${idColumn} ${order} LIMIT ?`,
      params,
      { idempotent: true, fetchSize: want },
    );
    rows.push(...result.rows.map((row: types.Row) => summaryFromRow(row)));
  }

  return pageFromRows(rows, query.sort, query.limit, cursor);
}
