import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import { COMMENTS_BY_ID, COMMENTS_BY_POST } from '../../kinds/comment.kind';
import {
  monthOf,
  Post,
  POSTS_BY_AUTHOR,
  POSTS_BY_ID,
  POSTS_BY_MONTH,
  POSTS_BY_TITLE,
} from '../../kinds/post.kind';
import { titleKey, titlePrefix } from '../../kinds/title-key';
import { PostHistory } from './cassandra-post-rows';
import { deletePartition, deleteRow, long } from './cql';

// The deletes of the Cassandra store: every one carries an explicit timestamp, so it removes
// exactly the writes it is meant to (those at or below it) whatever order things arrive in.

const titleRowDelete = (ks: string, id: string, key: string, ts: number) =>
  deleteRow(ks, POSTS_BY_TITLE, [titlePrefix(key), key, id], ts);

const authorRowDelete = (ks: string, id: string, author: string, ts: number) =>
  deleteRow(ks, POSTS_BY_AUTHOR, [author, id], ts);

/** Removes one entry of posts_by_id's bookkeeping maps (`title_keys`, `authors`). */
const mapEntryDelete = (
  ks: string,
  map: 'title_keys' | 'authors',
  id: string,
  entry: string,
  ts: number,
): CassandraStatement => ({
  query: `DELETE ${map}[?] FROM ${ks}.${POSTS_BY_ID.name} USING TIMESTAMP ? WHERE id = ?`,
  params: [entry, long(ts), id],
});

/** The listing rows of a title key and of an author the post no longer has, and their map entries. */
function keyDeletes(
  ks: string,
  id: string,
  ts: number,
  gone: { keys: Iterable<string>; authors: Iterable<string> },
): CassandraStatement[] {
  const out: CassandraStatement[] = [];
  for (const key of gone.keys) {
    out.push(titleRowDelete(ks, id, key, ts), mapEntryDelete(ks, 'title_keys', id, key, ts));
  }
  for (const author of gone.authors) {
    out.push(authorRowDelete(ks, id, author, ts), mapEntryDelete(ks, 'authors', id, author, ts));
  }
  return out;
}

/**
 * Removes the rows `previous` (the version right before `post`) has under a title key or author
 * that `post` no longer has, at `post`'s timestamp: a tombstone also shadows those rows if the
 * predecessor's own copy lands later, so no read is needed to clean up after it.
 */
export function predecessorDeletes(ks: string, post: Post, previous: Post): CassandraStatement[] {
  const previousKey = titleKey(previous.title);
  return keyDeletes(ks, post.id, post.version, {
    keys: previousKey !== titleKey(post.title) ? [previousKey] : [],
    authors: previous.author !== post.author ? [previous.author] : [],
  });
}

/**
 * Removes what older versions left under title keys and authors the winning version no longer
 * has, at the winner's timestamp: every such row was written by a lower version, and a later
 * version that uses the key again writes above this timestamp, so it survives.
 */
export function staleKeyDeletes(
  ks: string,
  id: string,
  history: PostHistory,
): CassandraStatement[] {
  const winnerKey = titleKey(history.title);
  return keyDeletes(ks, id, history.version, {
    keys: [...history.titleKeys.keys()].filter((key) => key !== winnerKey),
    authors: [...history.authors.keys()].filter((author) => author !== history.author),
  });
}

/**
 * Deletes every row of a post at `deletedAt`: what the history names, plus the rows of
 * `also` (a version that may have been written without the history seeing it yet).
 */
export function postDeletes(
  ks: string,
  id: string,
  deletedAt: number,
  history: PostHistory | null,
  also?: Post,
): CassandraStatement[] {
  const created = new Map<string, Date>();
  const keys = new Set(history?.titleKeys.keys() ?? []);
  const authors = new Set(history?.authors.keys() ?? []);
  for (const source of [history, also]) {
    if (!source) continue;
    created.set(monthOf(source.createdAt), source.createdAt);
    keys.add(titleKey(source.title));
    authors.add(source.author);
  }
  return [
    deletePartition(ks, POSTS_BY_ID, id, deletedAt),
    ...[...created].map(([month, createdAt]) =>
      deleteRow(ks, POSTS_BY_MONTH, [month, createdAt, id], deletedAt),
    ),
    ...[...keys].map((key) => titleRowDelete(ks, id, key, deletedAt)),
    ...[...authors].map((author) => authorRowDelete(ks, id, author, deletedAt)),
  ];
}

/** Removes one comment from comments_by_id, at the deletion's timestamp. */
export function commentByIdDelete(ks: string, id: string, deletedAt: number): CassandraStatement {
  return deleteRow(ks, COMMENTS_BY_ID, [id], deletedAt);
}

/** Removes one comment's row from its post's partition, at the given time. */
export function commentRowDelete(
  ks: string,
  postId: string,
  createdAt: Date,
  id: string,
  at: number,
): CassandraStatement {
  return deleteRow(ks, COMMENTS_BY_POST, [postId, createdAt, id], at);
}

/** Removes a deleted post's whole comment partition (one tombstone, however many comments). */
export function commentPartitionDelete(
  ks: string,
  postId: string,
  deletedAt: number,
): CassandraStatement {
  return deletePartition(ks, COMMENTS_BY_POST, postId, deletedAt);
}
