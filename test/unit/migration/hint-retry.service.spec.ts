import { Logger } from '@nestjs/common';
import { AppConfig } from '../../../src/config/app-config';
import { HintRetryService } from '../../../src/migration/reconcile/hint-retry.service';
import { Hint } from '../../../src/store/hints/hint-log';
import { FakeReplica, fakeComment, fakePost, replicasOf } from './fake-replica';
import { MemoryHints } from './memory-hints';

const hint = (entity: string, id: string, postId: string, at: number): Hint => ({
  entity,
  id,
  postId,
  op: 'upsert',
  at,
  error: 'timeout',
});

function setup(batch: number, concurrency: number) {
  const mongo = new FakeReplica('mongo');
  const cassandra = new FakeReplica('cassandra');
  const hints = new MemoryHints();
  const service = new HintRetryService(replicasOf(mongo, cassandra), {
    hintRetryBatch: batch,
    hintRetryConcurrency: concurrency,
  } as AppConfig);
  return { mongo, cassandra, hints, service };
}

describe('HintRetryService: batches and concurrency (in-memory stores)', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('reads and writes each batch in bulk, kind by kind: records, deletions, and the deletions of the posts of vanished comments', async () => {
    const { mongo, cassandra, hints, service } = setup(40, 4);
    let at = 0;
    // 30 live posts, 10 deleted ones still in the secondary, 10 comments of a deleted post
    for (let i = 0; i < 30; i++) {
      const post = fakePost();
      mongo.posts.set(post.id, post);
      await hints.record(hint('post', post.id, post.id, ++at));
    }
    for (let i = 0; i < 10; i++) {
      const post = fakePost();
      cassandra.posts.set(post.id, post);
      mongo.deletions.set(post.id, post.version + 1);
      await hints.record({ ...hint('post', post.id, post.id, ++at), op: 'delete' });
    }
    const gone = fakePost();
    cassandra.posts.set(gone.id, gone);
    mongo.deletions.set(gone.id, gone.version + 1);
    for (let i = 0; i < 10; i++) {
      const comment = fakeComment(gone.id);
      cassandra.comments.set(comment.id, comment);
      await hints.record(hint('comment', comment.id, gone.id, ++at));
    }

    const result = await service.retry(mongo, cassandra, hints);

    expect(result).toEqual({ retried: 50, failed: 0 });
    expect(hints.hints.size).toBe(0);
    expect(hints.removals).toEqual([40, 10]);
    expect(mongo.bulk).toEqual([
      'states post 40',
      'states comment 10',
      'states post 1', // the comments' one post, asked once
    ]);
    expect(cassandra.bulk).toEqual([
      'applyMany post 30',
      'applyDeletes post 10',
      'applyDeletes post 1',
    ]);
    expect([...cassandra.posts.keys()].sort()).toEqual([...mongo.posts.keys()].sort());
    expect(cassandra.comments.size).toBe(0);
    expect(cassandra.deletions.get(gone.id)).toBe(gone.version + 1);
  });

  it('a newer miss of a record recorded while its batch is copied keeps its hint, and the next batch copies it', async () => {
    const { mongo, cassandra, hints, service } = setup(10, 2);
    const posts = Array.from({ length: 10 }, () => fakePost());
    for (const [i, post] of posts.entries()) {
      mongo.posts.set(post.id, post);
      await hints.record(hint('post', post.id, post.id, i + 1));
    }
    const edited = posts[3];
    const v2 = { ...edited, title: 'edited during the drain', version: edited.version + 1 };
    let copies = 0;
    cassandra.onBulk = async (call) => {
      // the first batch's copy is on its way: a request edits the post in the primary, and its
      // copy to the secondary misses again
      if (call === 'applyMany post' && copies++ === 0) {
        mongo.posts.set(v2.id, v2);
        await hints.record(hint('post', v2.id, v2.id, 100));
      }
    };
    let batches = 0;
    const first = await service.retry(mongo, cassandra, hints, () => batches++ >= 1);
    // its older hint's copy succeeded, but removing it left the newer one
    expect(first).toEqual({ retried: 10, failed: 0 });
    expect([...hints.hints.values()]).toEqual([hint('post', v2.id, v2.id, 100)]);
    expect(cassandra.posts.get(v2.id)).toEqual(edited);

    expect(await service.retry(mongo, cassandra, hints)).toEqual({ retried: 1, failed: 0 });
    expect(hints.hints.size).toBe(0);
    expect(cassandra.posts.get(v2.id)).toEqual(v2);
  });

  it('never has more than one bulk call in flight per store, and hands each the concurrency', async () => {
    const { mongo, cassandra, hints, service } = setup(25, 3);
    const applyMany = jest.spyOn(cassandra, 'applyMany');
    cassandra.onBulk = () => new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 100; i++) {
      const post = fakePost();
      mongo.posts.set(post.id, post);
      await hints.record(hint('post', post.id, post.id, i));
    }
    expect(await service.retry(mongo, cassandra, hints)).toEqual({ retried: 100, failed: 0 });
    expect(applyMany.mock.calls.map(([, , concurrency]) => concurrency)).toEqual([3, 3, 3, 3]);
    expect(cassandra.bulk).toEqual(Array(4).fill('applyMany post 25'));
    expect(cassandra.maxInFlight).toBe(1);
  });

  it('a record the secondary refuses is kept hinted; the rest of its batch is copied one by one', async () => {
    const { mongo, cassandra, hints, service } = setup(20, 4);
    const posts = Array.from({ length: 20 }, () => fakePost());
    for (const [i, post] of posts.entries()) {
      mongo.posts.set(post.id, post);
      await hints.record(hint('post', post.id, post.id, i));
    }
    const refused = posts[7].id;
    cassandra.onBulk = async (_call, ids) => {
      if (ids.includes(refused)) throw new Error(`clash on ${refused}`);
    };
    const result = await service.retry(mongo, cassandra, hints);
    expect(result).toEqual({ retried: 19, failed: 1, error: `clash on ${refused}` });
    expect([...hints.hints.keys()]).toEqual([`post:${refused}`]);
    expect(cassandra.posts.size).toBe(19);
    expect(cassandra.posts.has(refused)).toBe(false);
  });

  it('while the secondary is down, a batch tries only `concurrency` records one by one, then leaves every hint for the next run', async () => {
    const { mongo, cassandra, hints, service } = setup(50, 4);
    for (let i = 0; i < 200; i++) {
      const post = fakePost();
      mongo.posts.set(post.id, post);
      await hints.record(hint('post', post.id, post.id, i));
    }
    cassandra.failing = true;
    const result = await service.retry(mongo, cassandra, hints);
    expect(result).toEqual({ retried: 0, failed: 50, error: 'cassandra is down' });
    expect(hints.hints.size).toBe(200);
    // the batch 3 times in bulk, then 4 records on their own
    expect(cassandra.bulk).toEqual([
      ...Array(3).fill('applyMany post 50'),
      ...Array(4).fill('applyMany post 1'),
    ]);
  });
});
