import { mongo } from 'mongoose';
import { mapConcurrent } from '../../src/common/map-concurrent';
import { Comment, Post } from '../../src/store/post';
import { toCommentDocument, toPostDocument } from '../../src/store/mongo/mongo-documents';
import { listingPartitionsOf } from '../../src/store/mongo/mongo-listing-partitions';
import { fakeComment, fakePost } from './seed';

/** Records of one bench dataset, as written to MongoDB (kept for the raw Cassandra writes). */
export interface Records {
  posts: Post[];
  comments: Comment[];
}

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** `count` random words of seed.ts's word list (fakePost's content is exactly that). */
const words = (count: number) => fakePost(count).content;

/**
 * Whole words, between `min` and `max` characters long (never cut inside a word, so no emoji is
 * split into a lone surrogate).
 */
function text(min: number, max: number): string {
  const target = randomInt(min, max);
  let out = '';
  for (;;) {
    for (const word of words(Math.ceil(target / 4)).split(' ')) {
      const next = out ? `${out} ${word}` : word;
      // words are at most 9 characters, so `out` is well past `min` here
      if (next.length > max) return out;
      out = next;
      if (out.length >= target) return out;
    }
  }
}

/**
 * A post like a real blog's: a title of 5-10 words, content of 500-2000 characters (seed.ts's
 * fakePost gives the id, author, dates and version).
 */
export function realisticPost(): Post {
  return { ...fakePost(0), title: words(randomInt(5, 10)), content: text(500, 2000) };
}

/** A comment of 50-300 characters on `post`. */
export function realisticComment(post: Post): Comment {
  return { ...fakeComment(post), comment: text(50, 300) };
}

/**
 * Writes `posts` posts and 5 × as many comments (spread at random over the posts) straight into
 * MongoDB with insertMany, documents built by the app's own toPostDocument / toCommentDocument.
 * Returns the records when `keep` (the raw write measurement needs them), else empty lists.
 */
export async function seedMongo(
  db: mongo.Db,
  posts: number,
  comments: number,
  keep: boolean,
  progress: (line: string) => void,
): Promise<Records> {
  const batch = 1000;
  const kept: Records = { posts: [], comments: [] };
  const made: Post[] = [];
  const slices = (total: number) =>
    Array.from({ length: Math.ceil(total / batch) }, (_, i) => Math.min(batch, total - i * batch));
  let done = 0;
  const tick = (n: number, total: number, what: string) => {
    done += n;
    if (done % 50_000 < n) progress(`  ${done}/${total} ${what}`);
  };
  await mapConcurrent(slices(posts), 2, async (size) => {
    const items = Array.from({ length: size }, realisticPost);
    made.push(...items);
    await listingPartitionsOf(db).note(items);
    await db.collection('posts').insertMany(items.map(toPostDocument) as never[]);
    tick(size, posts, 'posts');
  });
  if (keep) kept.posts = made;
  done = 0;
  const pick = () => made[Math.floor(Math.random() * made.length)];
  await mapConcurrent(slices(comments), 2, async (size) => {
    const items = Array.from({ length: size }, () => realisticComment(pick()));
    if (keep) kept.comments.push(...items);
    await db.collection('comments').insertMany(items.map(toCommentDocument) as never[]);
    tick(size, comments, 'comments');
  });
  return kept;
}
