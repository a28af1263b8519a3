import { rateAndEta } from '../../../src/migration/backfill/progress';
import { hashHex } from '../../../src/common/hash';
import { Post, POST_KIND } from '../../../src/kinds/post.kind';
import { recordHash } from '../../../src/kinds/record-kind';
import { bucketOf } from '../../../src/migration/verify/buckets';
import { DigestSink } from '../../../src/migration/verify/verify-sinks';
import { fakePost } from './fake-replica';

/** A post's canonical hash, as verify compares it across stores. */
const postHash = (post: Post) => recordHash(POST_KIND, post);

describe('record hashes and bucket digests', () => {
  const post = fakePost();

  it.each([
    ['title', { title: 'other' }],
    ['content', { content: 'other' }],
    ['author', { author: 'other' }],
    ['createdAt', { createdAt: new Date(1) }],
    ['updatedAt', { updatedAt: new Date(1) }],
    ['version', { version: 1 }],
  ])('a post hash changes with its %s', (_field, change) => {
    expect(hashHex(postHash({ ...post, ...change }))).not.toBe(hashHex(postHash(post)));
  });

  it('fields cannot run into each other', () => {
    expect(hashHex(postHash({ ...post, title: 'ab', content: 'c' }))).not.toBe(
      hashHex(postHash({ ...post, title: 'a', content: 'bc' })),
    );
  });

  it('spreads ids over the buckets, the same way every time', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1600; i++) counts[bucketOf(fakePost().id, 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(bucketOf('abc', 4096)).toBe(bucketOf('abc', 4096));
  });

  it('a bucket digest tells a missing, doubled or changed record, in any order', () => {
    const a = new DigestSink();
    const b = new DigestSink();
    const posts = [fakePost(), fakePost(), fakePost()];
    for (const p of posts) a.add('post', 'mongo', p.id, postHash(p));
    for (const p of [...posts].reverse()) b.add('post', 'mongo', p.id, postHash(p));
    const same = (x: DigestSink, y: DigestSink) =>
      x.differing('post', 'mongo', 'mongo').length === 0 &&
      y.differing('post', 'mongo', 'mongo').length === 0;
    expect(same(a, b)).toBe(true);
    // compare two roles of one sink
    const pair = new DigestSink();
    for (const p of posts) pair.add('post', 'mongo', p.id, postHash(p));
    for (const p of posts) pair.add('post', 'cassandra', p.id, postHash(p));
    expect(pair.differing('post', 'mongo', 'cassandra')).toEqual([]);
    pair.add('post', 'cassandra', posts[0].id, postHash(posts[0]));
    expect(pair.differing('post', 'mongo', 'cassandra')).toEqual([bucketOf(posts[0].id, 4096)]);
    expect(pair.total('post', 'cassandra')).toBe(4);
  });

  it('progress: rate since the start of this run and the time left', () => {
    const { rate, eta } = rateAndEta(1500, 500, 3000, 0, 2000);
    expect(rate).toBe(500);
    expect(eta).toBe(3);
    expect(rateAndEta(500, 500, 3000, 0, 2000).eta).toBe(Infinity);
  });
});
