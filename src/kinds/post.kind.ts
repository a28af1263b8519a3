import { RecordKind, baseTable, CassandraTable, FieldsOf } from './record-kind';
import { titleKey, titlePrefix } from './title-key';

/**
 * A blog post. Ids are made by the app before the first write and are the same in every store.
 */
export interface Post {
  id: string;
  title: string;
  content: string;
  /** the author's display name when the post was written */
  author: string;
  /** the account that wrote it; '' for posts from before accounts (only admins change those) */
  ownerId: string;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Grows on every change. It is a per-post hybrid clock in microseconds since the epoch
   * (see nextVersion), so Cassandra writes can use it directly as their write timestamp: any two
   * copies of a post converge on the highest version whatever order they arrive in.
   */
  version: number;
}

export const EXCERPT_LENGTH = 200;

const WHITE_SPACE = /^\s$/;

/**
 * The listing excerpt: the content with runs of white space collapsed and trimmed, cut to its
 * first EXCERPT_LENGTH characters (not UTF-16 units), with "…" when there was more. Reads only
 * as far as it needs: content can be 50 000 characters, and every post write makes an excerpt.
 */
export function excerptOf(content: string): string {
  let out = '';
  let length = 0;
  let space = false;
  for (const char of content) {
    if (WHITE_SPACE.test(char)) {
      space = length > 0; // leading white space is dropped, inner runs become one space
      continue;
    }
    if (space) {
      if (length === EXCERPT_LENGTH) return `${out}…`;
      out += ' ';
      length++;
      space = false;
    }
    if (length === EXCERPT_LENGTH) return `${out}…`;
    out += char;
    length++;
  }
  return out; // trailing white space is dropped
}

/** The month partition of the newest/oldest listing a post lives in (UTC, 'YYYY-MM'). */
export function monthOf(createdAt: Date): string {
  return createdAt.toISOString().slice(0, 7);
}

export const POST_FIELDS: FieldsOf<Post> = {
  id: { type: 'text', mongo: '_id', cassandra: 'id' },
  title: { type: 'text', mongo: 'title', cassandra: 'title' },
  content: { type: 'text', mongo: 'content', cassandra: 'content' },
  author: { type: 'text', mongo: 'author', cassandra: 'author' },
  createdAt: { type: 'date', mongo: 'created_at', cassandra: 'created_at' },
  updatedAt: { type: 'date', mongo: 'updated_at', cassandra: 'updated_at' },
  version: { type: 'integer', mongo: 'version', cassandra: 'version' },
  ownerId: { type: 'text', mongo: 'owner_id', cassandra: 'owner_id', absent: '' },
};

/** A post by id; its map columns (`title_keys`, `authors`) are the Cassandra store's bookkeeping. */
export const POSTS_BY_ID = baseTable<Post>('posts_by_id', POST_FIELDS);

/** The newest/oldest listing: a partition per month, newest first. No content: an excerpt. */
export const POSTS_BY_MONTH: CassandraTable<Post> = {
  name: 'posts_by_month',
  partitionKey: 'month',
  keys: ['month', 'created_at', 'id'],
  cells: ['title', 'author', 'excerpt', 'updated_at', 'version'],
  idColumn: 'id',
  listing: 'month',
  row: (post) => ({
    month: monthOf(post.createdAt),
    created_at: post.createdAt,
    id: post.id,
    title: post.title,
    author: post.author,
    excerpt: excerptOf(post.content),
    updated_at: post.updatedAt,
    version: post.version,
  }),
};

/** The A–Z / Z–A listing, by case- and accent-folded title key, a partition per first letter. */
export const POSTS_BY_TITLE: CassandraTable<Post> = {
  name: 'posts_by_title',
  partitionKey: 'prefix',
  keys: ['prefix', 'title_key', 'id'],
  cells: ['title', 'author', 'excerpt', 'created_at', 'updated_at', 'version'],
  idColumn: 'id',
  listing: 'title',
  row: (post) => {
    const key = titleKey(post.title);
    return {
      prefix: titlePrefix(key),
      title_key: key,
      id: post.id,
      title: post.title,
      author: post.author,
      excerpt: excerptOf(post.content),
      created_at: post.createdAt,
      updated_at: post.updatedAt,
      version: post.version,
    };
  },
};

/** Posts per author, counted from rows (no counters: they are not idempotent). */
export const POSTS_BY_AUTHOR: CassandraTable<Post> = {
  name: 'posts_by_author',
  partitionKey: 'author',
  keys: ['author', 'id'],
  cells: ['version'],
  idColumn: 'id',
  row: (post) => ({ author: post.author, id: post.id, version: post.version }),
};

export const POST_KIND: RecordKind<Post> = {
  name: 'post',
  plural: 'posts',
  fields: POST_FIELDS,
  writtenAt: (post) => post.version,
  deletions: { name: 'deletions', mongo: 'deleted_posts', cassandra: 'post_deletions' },
  mongo: {
    collection: 'posts',
    // FerretDB has no collations: the folded sort key is stored (and indexed); listings read the
    // excerpt, never the content, and one listing partition at a time (the month, the title's
    // first letter: an equality a stand-in without sort pushdown still pushes down)
    derived: (post) => {
      const key = titleKey(post.title);
      return {
        title_key: key,
        excerpt: excerptOf(post.content),
        month: monthOf(post.createdAt),
        title_prefix: titlePrefix(key),
      };
    },
    addedDerived: ['month', 'title_prefix'],
  },
  cassandra: { base: POSTS_BY_ID, derived: [POSTS_BY_MONTH, POSTS_BY_TITLE, POSTS_BY_AUTHOR] },
};
