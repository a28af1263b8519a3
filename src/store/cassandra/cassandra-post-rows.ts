import { types } from 'cassandra-driver';
import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import {
  Comment,
  COMMENT_KIND,
  COMMENTS_BY_ID,
  COMMENTS_BY_POST,
  commentWrittenAt,
} from '../../kinds/comment.kind';
import { Post, POST_KIND, POSTS_BY_ID } from '../../kinds/post.kind';
import { fromRow } from '../../kinds/record-kind';
import { titleKey } from '../../kinds/title-key';
import { PostSummary } from '../post';
import { insertRow, long, partitionWrite } from './cql';

export { long } from './cql';
export { monthOf } from '../../kinds/post.kind';

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
 * or twice never overwrites a newer one), with the title key and author it uses added to the
 * row's maps: the store's memory of which listing rows any version wrote, for the clean-up of
 * writes that do not know their predecessor. Not part of the listing rows' batch: with up to
 * 50 000 characters of content it would push the batch over Cassandra's batch size limit
 * (batch_size_fail_threshold, 50 KiB by default).
 */
export function baseRowWrite(
  ks: string,
  post: Post,
  timestamp: number = post.version,
): CassandraStatement {
  const row = POSTS_BY_ID.row(post);
  const cells = POSTS_BY_ID.cells.map((cell) => `${cell} = ?`).join(', ');
  return {
    query: `UPDATE ${ks}.${POSTS_BY_ID.name} USING TIMESTAMP ? SET ${cells}, title_keys[?] = ?, authors[?] = ? WHERE ${POSTS_BY_ID.partitionKey} = ?`,
    params: [
      long(timestamp),
      ...POSTS_BY_ID.cells.map((cell) =>
        typeof row[cell] === 'number' ? long(row[cell]) : row[cell],
      ),
      titleKey(post.title),
      long(post.version),
      post.author,
      long(post.version),
      post.id,
    ],
  };
}

/**
 * The query-table rows of one version (no content: an excerpt), at the version's timestamp, and
 * the listing partitions they live in; written together in one logged batch beside the base row.
 */
export function derivedRowWrites(ks: string, post: Post): CassandraStatement[] {
  const rows: CassandraStatement[] = [];
  const partitions: CassandraStatement[] = [];
  for (const table of POST_KIND.cassandra.derived) {
    const values = table.row(post);
    rows.push(insertRow(ks, table, values, post.version));
    if (table.listing) {
      partitions.push(partitionWrite(ks, table.listing, String(values[table.partitionKey])));
    }
  }
  return [...rows, ...partitions];
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

/** The post a posts_by_id row holds; null for what a deletion left of one (no version). */
export function postFromRow(row: types.Row): Post | null {
  return fromRow(POST_KIND, row);
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

export function commentFromRow(row: types.Row): Comment | null {
  return fromRow(COMMENT_KIND, row);
}

/** A comment never changes: its rows are written at its creation, so its post's deletion shadows it. */
export function commentWrites(ks: string, comment: Comment): CassandraStatement[] {
  const at = commentWrittenAt(comment);
  return [COMMENTS_BY_POST, COMMENTS_BY_ID].map((table) =>
    insertRow(ks, table, table.row(comment), at),
  );
}
