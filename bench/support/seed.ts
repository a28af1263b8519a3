import { mapConcurrent } from '../../src/common/map-concurrent';
import { Comment, Post } from '../../src/store/post';
import { PostStore } from '../../src/store/post-store';
import { newId, nextVersion } from '../../src/store/versions';

export const WORDS =
  'apple brave cedar delta ember frost grove harbor island jungle kettle lemon meadow nectar ocean pepper quartz river summit tundra umber violet willow xenon yonder zephyr Émile Ångström 42 7 ¿qué? Ωmega 🚀'.split(
    ' ',
  );
export const AUTHORS = Array.from({ length: 50 }, (_, i) => `Author ${i}`);
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)];

/** A post created at a random moment of the last year, with `words` words (~7 bytes each). */
export function fakePost(words = 150): Post {
  const createdAt = new Date(Date.now() - Math.floor(Math.random() * 365 * 86_400_000));
  const title = Array.from({ length: 3 }, () => pick(WORDS)).join(' ');
  return {
    id: newId(createdAt),
    title,
    content: Array.from({ length: words }, () => pick(WORDS)).join(' '),
    author: pick(AUTHORS),
    ownerId: '',
    createdAt,
    updatedAt: createdAt,
    version: nextVersion(),
  };
}

export function fakeComment(post: Post): Comment {
  const createdAt = new Date(post.createdAt.getTime() + Math.floor(Math.random() * 86_400_000));
  return {
    id: newId(createdAt),
    postId: post.id,
    commenter: pick(AUTHORS),
    comment: Array.from({ length: 20 }, () => pick(WORDS)).join(' '),
    createdAt,
  };
}

/**
 * Writes `posts` posts and `comments` comments (spread at random over the posts) to every store
 * given, the same records in each, `concurrency` writes at a time. Returns the post ids.
 */
export async function seed(
  stores: PostStore[],
  posts: number,
  comments: number,
  concurrency = 32,
  progress?: (done: number, total: number) => void,
  contentWords = 150,
): Promise<string[]> {
  const made = Array.from({ length: posts }, () => fakePost(contentWords));
  let done = 0;
  const total = (posts + comments) * stores.length;
  const tick = () => {
    done++;
    if (done % 5000 === 0) progress?.(done, total);
  };
  for (const store of stores) {
    await mapConcurrent(made, concurrency, async (post) => {
      await store.createPost(post);
      tick();
    });
  }
  // comments in slices, so a large run never holds them all in memory at once
  const slice = 10_000;
  for (let start = 0; start < comments; start += slice) {
    const batch = Array.from({ length: Math.min(slice, comments - start) }, () =>
      fakeComment(pick(made)),
    );
    for (const store of stores) {
      await mapConcurrent(batch, concurrency, async (comment) => {
        await store.addComment(comment);
        tick();
      });
    }
  }
  return made.map((p) => p.id);
}
