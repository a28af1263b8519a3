import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import { Post } from '../post';
import { titleKey, titlePrefix } from '../title-key';
import { long, monthOf, PostHistory } from './cassandra-post-rows';

// The deletes of the Cassandra store: every one carries an explicit timestamp, so it removes
// exactly the writes it is meant to (those at or below it) whatever order things arrive in.

/**
 * Removes the rows `previous` (the version right before `post`) has under a title key or author
 * that `post` no longer has, at `post`'s timestamp: a tombstone also shadows those rows if the
 * predecessor's own copy lands later, so no read is needed to clean up after it.
 */
export function predecessorDeletes(ks: string, post: Post, previous: Post): CassandraStatement[] {
  const ts = long(post.version);
  const out: CassandraStatement[] = [];
  const key = titleKey(post.title);
  const previousKey = titleKey(previous.title);
  if (previousKey !== key) {
    out.push(
      {
        query: `DELETE FROM ${ks}.posts_by_title USING TIMESTAMP ? WHERE prefix = ? AND title_key = ? AND id = ?`,
        params: [ts, titlePrefix(previousKey), previousKey, post.id],
      },
      {
        query: `DELETE title_keys[?] FROM ${ks}.posts_by_id USING TIMESTAMP ? WHERE id = ?`,
        params: [previousKey, ts, post.id],
      },
    );
  }
  if (previous.author !== post.author) {
    out.push(
      {
        query: `DELETE FROM ${ks}.posts_by_author USING TIMESTAMP ? WHERE author = ? AND id = ?`,
        params: [ts, previous.author, post.id],
      },
      {
        query: `DELETE authors[?] FROM ${ks}.posts_by_id USING TIMESTAMP ? WHERE id = ?`,
        params: [previous.author, ts, post.id],
      },
    );
  }
  return out;
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
  const ts = long(history.version);
  const out: CassandraStatement[] = [];
  const winnerKey = titleKey(history.title);
  for (const key of history.titleKeys.keys()) {
    if (key === winnerKey) continue;
    out.push(
      {
        query: `DELETE FROM ${ks}.posts_by_title USING TIMESTAMP ? WHERE prefix = ? AND title_key = ? AND id = ?`,
        params: [ts, titlePrefix(key), key, id],
      },
      {
        query: `DELETE title_keys[?] FROM ${ks}.posts_by_id USING TIMESTAMP ? WHERE id = ?`,
        params: [key, ts, id],
      },
    );
  }
  for (const author of history.authors.keys()) {
    if (author === history.author) continue;
    out.push(
      {
        query: `DELETE FROM ${ks}.posts_by_author USING TIMESTAMP ? WHERE author = ? AND id = ?`,
        params: [ts, author, id],
      },
      {
        query: `DELETE authors[?] FROM ${ks}.posts_by_id USING TIMESTAMP ? WHERE id = ?`,
        params: [author, ts, id],
      },
    );
  }
  return out;
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
  const ts = long(deletedAt);
  const created = new Map<string, Date>();
  const keys = new Set(history?.titleKeys.keys() ?? []);
  const authors = new Set(history?.authors.keys() ?? []);
  for (const source of [history, also]) {
    if (!source) continue;
    created.set(monthOf(source.createdAt), source.createdAt);
    keys.add(titleKey(source.title));
    authors.add(source.author);
  }
  const out: CassandraStatement[] = [
    { query: `DELETE FROM ${ks}.posts_by_id USING TIMESTAMP ? WHERE id = ?`, params: [ts, id] },
  ];
  for (const [month, createdAt] of created) {
    out.push({
      query: `DELETE FROM ${ks}.posts_by_month USING TIMESTAMP ? WHERE month = ? AND created_at = ? AND id = ?`,
      params: [ts, month, createdAt, id],
    });
  }
  for (const key of keys) {
    out.push({
      query: `DELETE FROM ${ks}.posts_by_title USING TIMESTAMP ? WHERE prefix = ? AND title_key = ? AND id = ?`,
      params: [ts, titlePrefix(key), key, id],
    });
  }
  for (const author of authors) {
    out.push({
      query: `DELETE FROM ${ks}.posts_by_author USING TIMESTAMP ? WHERE author = ? AND id = ?`,
      params: [ts, author, id],
    });
  }
  return out;
}

/** Removes one comment of a deleted post from comments_by_id, at the deletion's timestamp. */
export function commentByIdDelete(ks: string, id: string, deletedAt: number): CassandraStatement {
  return {
    query: `DELETE FROM ${ks}.comments_by_id USING TIMESTAMP ? WHERE id = ?`,
    params: [long(deletedAt), id],
  };
}

/** Removes one comment's row from its post's partition, at the given time. */
export function commentRowDelete(
  ks: string,
  postId: string,
  createdAt: Date,
  id: string,
  at: number,
): CassandraStatement {
  return {
    query: `DELETE FROM ${ks}.comments_by_post USING TIMESTAMP ? WHERE post_id = ? AND created_at = ? AND id = ?`,
    params: [long(at), postId, createdAt, id],
  };
}

/** Removes a deleted post's whole comment partition (one tombstone, however many comments). */
export function commentPartitionDelete(
  ks: string,
  postId: string,
  deletedAt: number,
): CassandraStatement {
  return {
    query: `DELETE FROM ${ks}.comments_by_post USING TIMESTAMP ? WHERE post_id = ?`,
    params: [long(deletedAt), postId],
  };
}
