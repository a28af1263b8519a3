import { types } from 'cassandra-driver';
import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import { Comment, excerptOf, Post, PostSummary } from '../post';
import { titleKey, titlePrefix } from '../title-key';

/** The month partition of the newest/oldest feed a post lives in (UTC, 'YYYY-MM'). */
export function monthOf(createdAt: Date): string {
  return createdAt.toISOString().slice(0, 7);
}

export const long = (n: number): types.Long => types.Long.fromNumber(n);

/** What posts_by_id knows about a post's rows in the other tables. */
export interface PostHistory {
  version: number;
  title: string;
  author: string;
  createdAt: Date;
  /** every title key a version of the post wrote, with the version that wrote it last */
  titleKeys: Map<string, number>;
  /** every author a version of the post wrote */
  authors: Map<string, number>;
}

/**
 * The posts_by_id write of one version, at the version's timestamp (so a copy that arrives late
 * or twice never overwrites a newer one). Not part of the listing rows' batch: with up to
 * 50 000 characters of content it would push the batch over Cassandra's batch size limit
 * (batch_size_fail_threshold, 50 KiB by default).
 */
export function baseRowWrite(
  ks: string,
  post: Post,
  timestamp: number = post.version,
): CassandraStatement {
  const key = titleKey(post.title);
  const ts = long(timestamp);
  return {
    query: `UPDATE ${ks}.posts_by_id USING TIMESTAMP ? SET title = ?, content = ?, author = ?, created_at = ?, updated_at = ?, version = ?, title_keys[?] = ?, authors[?] = ? WHERE id = ?`,
    params: [
      ts,
      post.title,
      post.content,
      post.author,
      post.createdAt,
      post.updatedAt,
      long(post.version),
      key,
      long(post.version),
      post.author,
      long(post.version),
      post.id,
    ],
  };
}

/**
 * The listing rows of one version (no content: an excerpt), at the version's timestamp; written
 * together in one logged batch after the base row.
 */
export function derivedRowWrites(ks: string, post: Post): CassandraStatement[] {
  return [
    monthRowWrite(ks, post),
    titleRowWrite(ks, post),
    authorRowWrite(ks, post),
    ...partitionWrites(ks, post),
  ];
}

// The row builders take the write timestamp separately: a repair may have to write a version
// above a drifted row's own timestamp. Everything else writes at the version.

export function monthRowWrite(
  ks: string,
  post: Post,
  timestamp: number = post.version,
): CassandraStatement {
  return {
    query: `INSERT INTO ${ks}.posts_by_month (month, created_at, id, title, author, excerpt, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    params: [
      monthOf(post.createdAt),
      post.createdAt,
      post.id,
      post.title,
      post.author,
      excerptOf(post.content),
      post.updatedAt,
      long(post.version),
      long(timestamp),
    ],
  };
}

export function titleRowWrite(
  ks: string,
  post: Post,
  timestamp: number = post.version,
): CassandraStatement {
  const key = titleKey(post.title);
  return {
    query: `INSERT INTO ${ks}.posts_by_title (prefix, title_key, id, title, author, excerpt, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    params: [
      titlePrefix(key),
      key,
      post.id,
      post.title,
      post.author,
      excerptOf(post.content),
      post.createdAt,
      post.updatedAt,
      long(post.version),
      long(timestamp),
    ],
  };
}

export function authorRowWrite(
  ks: string,
  post: Post,
  timestamp: number = post.version,
): CassandraStatement {
  return {
    query: `INSERT INTO ${ks}.posts_by_author (author, id, version) VALUES (?, ?, ?) USING TIMESTAMP ?`,
    params: [post.author, post.id, long(post.version), long(timestamp)],
  };
}

/**
 * The listing partitions a post's rows live in. Partitions are never removed (an empty one
 * costs a read, a missing one would hide posts); timestamp 0 because the row has no content to
 * order.
 */
export function partitionWrites(ks: string, post: Post): CassandraStatement[] {
  return [
    partitionWrite(ks, 'month', monthOf(post.createdAt)),
    partitionWrite(ks, 'title', titlePrefix(titleKey(post.title))),
  ];
}

export function partitionWrite(ks: string, listing: string, partition: string): CassandraStatement {
  return {
    query: `INSERT INTO ${ks}.listing_partitions (listing, partition) VALUES (?, ?) USING TIMESTAMP 0`,
    params: [listing, partition],
  };
}

const longMap = (value: unknown): Map<string, number> =>
  new Map(
    Object.entries((value ?? {}) as Record<string, types.Long>).map(([k, v]) => [k, Number(v)]),
  );

/** posts_by_id's row as a history, or null when the post is not there (never was, or deleted). */
export function historyFromRow(row: types.Row | undefined): PostHistory | null {
  if (!row || row.get('version') === null) return null;
  return {
    version: Number(row.get('version')),
    title: row.get('title') as string,
    author: row.get('author') as string,
    createdAt: row.get('created_at') as Date,
    titleKeys: longMap(row.get('title_keys')),
    authors: longMap(row.get('authors')),
  };
}

export function postFromRow(row: types.Row): Post {
  return {
    id: row.get('id') as string,
    title: row.get('title') as string,
    content: row.get('content') as string,
    author: row.get('author') as string,
    createdAt: row.get('created_at') as Date,
    updatedAt: row.get('updated_at') as Date,
    version: Number(row.get('version')),
  };
}

export function summaryFromRow(row: types.Row): PostSummary {
  return {
    id: row.get('id') as string,
    title: row.get('title') as string,
    author: row.get('author') as string,
    excerpt: row.get('excerpt') as string,
    createdAt: row.get('created_at') as Date,
    updatedAt: row.get('updated_at') as Date,
    version: Number(row.get('version')),
  };
}

export function commentFromRow(row: types.Row): Comment {
  return {
    id: row.get('id') as string,
    postId: row.get('post_id') as string,
    commenter: row.get('commenter') as string,
    comment: row.get('comment') as string,
    createdAt: row.get('created_at') as Date,
  };
}

/** A comment never changes: written at its creation time, so its post's deletion shadows it. */
export function commentWrites(ks: string, c: Comment): CassandraStatement[] {
  return [commentByPostWrite(ks, c), commentByIdWrite(ks, c)];
}

/** When a comment's rows are normally written: its creation, in microseconds. */
export const commentTimestamp = (c: Comment): number => c.createdAt.getTime() * 1000;

export function commentByPostWrite(
  ks: string,
  c: Comment,
  timestamp: number = commentTimestamp(c),
): CassandraStatement {
  return {
    query: `INSERT INTO ${ks}.comments_by_post (post_id, created_at, id, commenter, comment) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    params: [c.postId, c.createdAt, c.id, c.commenter, c.comment, long(timestamp)],
  };
}

export function commentByIdWrite(
  ks: string,
  c: Comment,
  timestamp: number = commentTimestamp(c),
): CassandraStatement {
  return {
    query: `INSERT INTO ${ks}.comments_by_id (id, post_id, commenter, comment, created_at) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    params: [c.id, c.postId, c.commenter, c.comment, c.createdAt, long(timestamp)],
  };
}
