import { Post, excerptOf } from '../kinds/post.kind';

export { EXCERPT_LENGTH, excerptOf } from '../kinds/post.kind';
export type { Post } from '../kinds/post.kind';
export type { Comment } from '../kinds/comment.kind';

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

/**
 * The first `top` author counts in compareAuthorCounts order, kept while counts stream in (a
 * store that cannot sort its groups): memory is bounded by `top`, not by the number of authors.
 */
export class TopAuthors {
  private readonly kept: { author: string; posts: number }[] = [];

  constructor(private readonly top: number) {}

  add(count: { author: string; posts: number }): void {
    const kept = this.kept;
    if (this.top <= 0) return;
    if (kept.length === this.top && compareAuthorCounts(count, kept[kept.length - 1]) >= 0) return;
    // binary search for the first kept count that sorts after this one
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareAuthorCounts(kept[mid], count) <= 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, count);
    if (kept.length > this.top) kept.pop();
  }

  result(): { author: string; posts: number }[] {
    return [...this.kept];
  }
}
