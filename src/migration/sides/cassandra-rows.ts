import { types } from 'cassandra-driver';
import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import { Comment, excerptOf, Post } from '../../store/post';
import {
  authorRowWrite,
  baseRowWrite,
  commentFromRow,
  commentByIdWrite,
  commentByPostWrite,
  commentTimestamp,
  monthOf,
  monthRowWrite,
  partitionWrite,
  postFromRow,
  titleRowWrite,
} from '../../store/cassandra/cassandra-post-rows';
import { titleKey, titlePrefix } from '../../store/title-key';
import {
  commentHash,
  Hash64,
  ListingRowFields,
  listingRowHash,
  postHash,
} from '../verify/record-hash';

/** The Cassandra tables the migration checks row by row: keys in order, and the other columns. */
export const TABLES = {
  posts_by_id: {
    partitionKey: 'id',
    keys: ['id'],
    cells: ['title', 'content', 'author', 'created_at', 'updated_at', 'version'],
  },
  posts_by_month: {
    partitionKey: 'month',
    keys: ['month', 'created_at', 'id'],
    cells: ['title', 'author', 'excerpt', 'updated_at', 'version'],
  },
  posts_by_title: {
    partitionKey: 'prefix',
    keys: ['prefix', 'title_key', 'id'],
    cells: ['title', 'author', 'excerpt', 'created_at', 'updated_at', 'version'],
  },
  posts_by_author: { partitionKey: 'author', keys: ['author', 'id'], cells: ['version'] },
  comments_by_id: {
    partitionKey: 'id',
    keys: ['id'],
    cells: ['post_id', 'commenter', 'comment', 'created_at'],
  },
  comments_by_post: {
    partitionKey: 'post_id',
    keys: ['post_id', 'created_at', 'id'],
    cells: ['commenter', 'comment'],
  },
} as const;
export type RowTable = keyof typeof TABLES;

/**
 * Every column of the table and, with `writetimes`, the write time of each non-key cell as
 * `wt_<column>` (what a repair needs to remove exactly that row; a digest pass does not).
 */
export function selectColumns(table: RowTable, writetimes = true): string {
  const { keys, cells } = TABLES[table];
  const unique = [...new Set<string>([...keys, ...cells])];
  if (!writetimes) return unique.join(', ');
  return [...unique, ...cells.map((c) => `WRITETIME(${c}) AS wt_${c}`)].join(', ');
}

/** The newest write time among the row's cells (null when none has one). */
export function rowWritetime(table: RowTable, row: types.Row): number | null {
  let newest: number | null = null;
  for (const cell of TABLES[table].cells) {
    const value = row.get(`wt_${cell}`) as types.Long | null | undefined;
    if (value === null || value === undefined) continue;
    const micros = value.toNumber();
    if (newest === null || micros > newest) newest = micros;
  }
  return newest;
}

export function rowKey(table: RowTable, row: types.Row): unknown[] {
  return TABLES[table].keys.map((k) => row.get(k) as unknown);
}

/** The DELETE of exactly one row, at the given write time. */
export function rowDelete(
  ks: string,
  table: RowTable,
  key: unknown[],
  at: number,
): CassandraStatement {
  const where = TABLES[table].keys.map((k) => `${k} = ?`).join(' AND ');
  return {
    query: `DELETE FROM ${ks}.${table} USING TIMESTAMP ? WHERE ${where}`,
    params: [types.Long.fromNumber(at), ...key],
  };
}

const num = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/** A listing row's values, from a post (what the row must hold) or from the row itself. */
interface ListingValues {
  id: string;
  title: string | null;
  author: string | null;
  excerpt: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  version: number | null;
  month: string | null;
  prefix: string | null;
  titleKey: string | null;
}

function valuesOfPost(post: Post): ListingValues {
  const key = titleKey(post.title);
  return {
    id: post.id,
    title: post.title,
    author: post.author,
    excerpt: excerptOf(post.content),
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
    version: post.version,
    month: monthOf(post.createdAt),
    prefix: titlePrefix(key),
    titleKey: key,
  };
}

function valuesOfRow(row: types.Row): ListingValues {
  const get = <T>(column: string): T | null => {
    const value = row.get(column) as T | undefined;
    return value === undefined ? null : value;
  };
  return {
    id: row.get('id') as string,
    title: get<string>('title'),
    author: get<string>('author'),
    excerpt: get<string>('excerpt'),
    createdAt: get<Date>('created_at'),
    updatedAt: get<Date>('updated_at'),
    version: num(get('version')),
    month: get<string>('month'),
    prefix: get<string>('prefix'),
    titleKey: get<string>('title_key'),
  };
}

/** The fields a listing table's row is hashed on: its key, then what it shows. */
function listingFields(table: RowTable, v: ListingValues): ListingRowFields {
  const created = v.createdAt ? v.createdAt.getTime() : null;
  switch (table) {
    case 'posts_by_month':
      return { ...v, key: [v.month, created, v.id], createdAt: null };
    case 'posts_by_title':
      return { ...v, key: [v.prefix, v.titleKey, v.id] };
    case 'posts_by_author':
      return { id: v.id, key: [v.author, v.id], version: v.version };
    default:
      throw new Error(`${table} is not a listing table`);
  }
}

/** The hash a stored row has, computed the same way as the hash the row is expected to have. */
export function rowHash(table: RowTable, row: types.Row): Hash64 {
  switch (table) {
    case 'posts_by_id':
      return postHash(postFromRow(row));
    case 'comments_by_id':
    case 'comments_by_post':
      return commentHash(commentFromRow(row));
    default:
      return listingRowHash(table, listingFields(table, valuesOfRow(row)));
  }
}

/** A row a record must have: where, with which hash, and how to write it at a given time. */
export interface RequiredRow {
  table: RowTable;
  key: unknown[];
  hash: Hash64;
  /** the write time it normally has (the post's version, the comment's creation) */
  timestamp: number;
  write(ks: string, timestamp: number): CassandraStatement[];
}

/** Every row a post must have: its base row, then its listing rows. */
export function requiredPostRows(post: Post): RequiredRow[] {
  return [
    {
      table: 'posts_by_id',
      key: [post.id],
      hash: postHash(post),
      timestamp: post.version,
      write: (ks, ts) => [baseRowWrite(ks, post, ts)],
    },
    ...requiredListingRows(post),
  ];
}

/** The listing rows a post must have (what a verify scan expects from each base row). */
export function requiredListingRows(post: Post): RequiredRow[] {
  const key = titleKey(post.title);
  const values = valuesOfPost(post);
  const listing = (
    table: 'posts_by_month' | 'posts_by_title' | 'posts_by_author',
    rowKeyValues: unknown[],
    write: RequiredRow['write'],
  ): RequiredRow => ({
    table,
    key: rowKeyValues,
    hash: listingRowHash(table, listingFields(table, values)),
    timestamp: post.version,
    write,
  });
  return [
    listing('posts_by_month', [monthOf(post.createdAt), post.createdAt, post.id], (ks, ts) => [
      monthRowWrite(ks, post, ts),
      partitionWrite(ks, 'month', monthOf(post.createdAt)),
    ]),
    listing('posts_by_title', [titlePrefix(key), key, post.id], (ks, ts) => [
      titleRowWrite(ks, post, ts),
      partitionWrite(ks, 'title', titlePrefix(key)),
    ]),
    listing('posts_by_author', [post.author, post.id], (ks, ts) => [authorRowWrite(ks, post, ts)]),
  ];
}

export function requiredCommentRows(comment: Comment): RequiredRow[] {
  const hash = commentHash(comment);
  const timestamp = commentTimestamp(comment);
  return [
    {
      table: 'comments_by_post',
      key: [comment.postId, comment.createdAt, comment.id],
      hash,
      timestamp,
      write: (ks, ts) => [commentByPostWrite(ks, comment, ts)],
    },
    {
      table: 'comments_by_id',
      key: [comment.id],
      hash,
      timestamp,
      write: (ks, ts) => [commentByIdWrite(ks, comment, ts)],
    },
  ];
}

/** Key values compared as text (dates by their milliseconds). */
export function keyText(table: string, key: unknown[]): string {
  return `${table}|${key.map((v) => (v instanceof Date ? v.getTime() : String(v))).join('|')}`;
}
