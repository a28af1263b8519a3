import { types } from 'cassandra-driver';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { Cursor, decodeCursor, pageFromRows } from '../cursor';
import { PostSort, PostSummary } from '../post';
import { ListPostsQuery, PostPage } from '../post-store';
import { titlePrefix } from '../title-key';
import { monthOf, summaryFromRow } from './cassandra-post-rows';

interface ListingShape {
  table: 'posts_by_month' | 'posts_by_title';
  listing: 'month' | 'title';
  partitionColumn: 'month' | 'prefix';
  clustering: ['created_at', 'id'] | ['title_key', 'id'];
  /** true when the sort reads the table's clustering order (ASC for title, DESC for month) */
  natural: boolean;
  /** the partitions in the sort's order */
  ascending: boolean;
}

const SHAPES: Record<PostSort, ListingShape> = {
  newest: {
    table: 'posts_by_month',
    listing: 'month',
    partitionColumn: 'month',
    clustering: ['created_at', 'id'],
    natural: true,
    ascending: false,
  },
  oldest: {
    table: 'posts_by_month',
    listing: 'month',
    partitionColumn: 'month',
    clustering: ['created_at', 'id'],
    natural: false,
    ascending: true,
  },
  title: {
    table: 'posts_by_title',
    listing: 'title',
    partitionColumn: 'prefix',
    clustering: ['title_key', 'id'],
    natural: true,
    ascending: true,
  },
  'title-desc': {
    table: 'posts_by_title',
    listing: 'title',
    partitionColumn: 'prefix',
    clustering: ['title_key', 'id'],
    natural: false,
    ascending: false,
  },
};

function partitionOfCursor(sort: PostSort, cursor: Cursor): string {
  return sort === 'newest' || sort === 'oldest'
    ? monthOf(new Date(cursor.key as number))
    : titlePrefix(cursor.key as string);
}

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
  const clusteringDesc = shape.table === 'posts_by_month';
  const rowsAscending = clusteringDesc ? !readNatural : readNatural;

  const partitionRows = await client.execute(
    `SELECT partition FROM ${client.table('listing_partitions')} WHERE listing = ?`,
    [shape.listing],
    { idempotent: true },
  );
  let partitions = partitionRows.rows.map((r) => r.get('partition') as string); // ascending
  if (!readAscending) partitions.reverse();
  if (cursor) {
    const start = partitionOfCursor(query.sort, cursor);
    partitions = partitions.filter((p) => (readAscending ? p >= start : p <= start));
  }

  const [keyColumn, idColumn] = shape.clustering;
  const order = rowsAscending ? 'ASC' : 'DESC';
  const rows: PostSummary[] = [];
  for (const partition of partitions) {
    const want = query.limit + 1 - rows.length;
    if (want <= 0) break;
    const params: unknown[] = [partition];
    let bound = '';
    if (cursor && partition === partitionOfCursor(query.sort, cursor)) {
      bound = ` AND (${keyColumn}, ${idColumn}) ${rowsAscending ? '>' : '<'} (?, ?)`;
      params.push(
        keyColumn === 'created_at' ? new Date(cursor.key as number) : cursor.key,
        cursor.id,
      );
    }
    params.push(want);
    const result = await client.execute(
      `SELECT id, title, author, excerpt, created_at, updated_at, version FROM ${client.table(shape.table)} WHERE ${shape.partitionColumn} = ?${bound} ORDER BY ${keyColumn} ${order}, ${idColumn} ${order} LIMIT ?`,
      params,
      { idempotent: true, fetchSize: want },
    );
    rows.push(...result.rows.map((row: types.Row) => summaryFromRow(row)));
  }

  return pageFromRows(rows, query.sort, query.limit, cursor);
}
