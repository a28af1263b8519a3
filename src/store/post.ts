/**
 * The blog's records as every store sees them. Ids are made by the app before the first write
 * and are the same in every store.
 */
export interface Post {
  id: string;
  title: string;
  content: string;
  author: string;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Grows on every change. It is a per-post hybrid clock in microseconds since the epoch
   * (see nextVersion), so Cassandra writes can use it directly as their write timestamp: any two
   * copies of a post converge on the highest version whatever order they arrive in.
   */
  version: number;
}

export interface Comment {
  id: string;
  postId: string;
  commenter: string;
  comment: string;
  createdAt: Date;
}

/** What the listing pages show of a post: no content, only its first characters. */
export interface PostSummary {
  id: string;
  title: string;
  author: string;
  excerpt: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export const POST_SORTS = ['newest', 'oldest', 'title', 'title-desc'] as const;
export type PostSort = (typeof POST_SORTS)[number];

export const EXCERPT_LENGTH = 200;

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

const WHITE_SPACE = /^\s$/;

export function summaryOf(post: Post): PostSummary {
  return {
    id: post.id,
    title: post.title,
    author: post.author,
    excerpt: excerptOf(post.content),
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
    version: post.version,
  };
}

/** The order of the author statistics in every store: most posts first, then author name. */
export function compareAuthorCounts(
  a: { author: string; posts: number },
  b: { author: string; posts: number },
): number {
  if (a.posts !== b.posts) return b.posts - a.posts;
  return compareUtf8(a.author, b.author);
}

/**
 * String order as MongoDB (without collation), FerretDB and Cassandra's `text` sort: by UTF-8
 * bytes. JavaScript's `<` compares UTF-16 units, which disagrees for emoji and other astral
 * characters, so anything the app orders itself uses this.
 */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
