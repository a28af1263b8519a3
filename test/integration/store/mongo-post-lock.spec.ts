import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { sleep } from '../../../src/common/sleep';
import {
  LOCK_TTL_MS,
  MongoPostLock,
  PostLockTimeoutError,
} from '../../../src/store/mongo/mongo-post-lock';
import { StoreModule, storeModule } from '../helpers/store-module';

type Locks = ConstructorParameters<typeof MongoPostLock>[0];

interface LockRow {
  _id: string;
  token: string;
  locked_at: Date;
}

/** How long a writer waits for a post's lock (WAIT_MS in mongo-post-lock.ts, not exported). */
const WAIT_MS = 15_000;

/** A clock the test moves by hand; the locks read it instead of Date.now. */
function handClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A promise the test settles from outside, and whether it has settled. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

// MongoPostLock on the real FerretDB: the lock documents are really inserted, found and deleted
// there (a duplicate _id is FerretDB's own error); only the clock is the test's, so a 15 s wait
// takes no 15 s.
describe('MongoPostLock (real FerretDB)', () => {
  let stores: StoreModule;
  let connection: Connection;
  const locks: Locks = () => connection.collection('post_locks');
  const rows = () => connection.collection<LockRow>('post_locks');
  const lockOf = async (postId: string) => rows().findOne({ _id: postId });

  beforeAll(async () => {
    stores = await storeModule('post_lock', 'mongo');
    connection = stores.module.get<Connection>(getConnectionToken());
  });
  beforeEach(() => stores.reset());
  afterAll(() => stores?.close());

  it('takes over the lock a dead holder left (older than LOCK_TTL_MS), runs the work, and releases', async () => {
    const clock = handClock();
    await rows().insertOne({
      _id: 'post-dead',
      token: 'dead-holder',
      locked_at: new Date(clock.now() - LOCK_TTL_MS - 1000),
    });
    const started = Date.now();
    const lockDuringWork = await new MongoPostLock(locks, clock.now).withLock('post-dead', () =>
      lockOf('post-dead'),
    );
    console.log(`post lock: a dead holder's lock taken over in ${Date.now() - started} ms`);
    // the work ran under a lock of its own, not the dead holder's
    expect(lockDuringWork?.token).toBeDefined();
    expect(lockDuringWork?.token).not.toBe('dead-holder');
    expect(lockDuringWork?.locked_at.getTime()).toBe(clock.now());
    expect(await lockOf('post-dead')).toBeNull();
  });

  it('a live holder makes a second writer wait; the writer runs as soon as it is released', async () => {
    const clock = handClock();
    const lock = new MongoPostLock(locks, clock.now);
    const holding = gate();
    const holderInside = gate();
    const first = lock.withLock('post-busy', async () => {
      holderInside.open();
      await holding.promise;
      return 'first';
    });
    await holderInside.promise;

    let secondRan = false;
    const second = lock.withLock('post-busy', async () => {
      secondRan = true;
      return 'second';
    });
    // still a fresh lock by the clock (9 of its 10 s): the second writer keeps waiting
    clock.advance(LOCK_TTL_MS - 1000);
    await sleep(500);
    expect(secondRan).toBe(false);

    const releasedAt = Date.now();
    holding.open();
    expect(await first).toBe('first');
    expect(await second).toBe('second');
    console.log(
      `post lock: the waiting writer ran ${Date.now() - releasedAt} ms after the release`,
    );
    expect(await lockOf('post-busy')).toBeNull();
  });

  it('gives up with PostLockTimeoutError after WAIT_MS of fresh holders, never running its work', async () => {
    const clock = handClock();
    const lock = new MongoPostLock(locks, clock.now);
    const holding = gate();
    const holderInside = gate();
    const first = lock.withLock('post-hot', async () => {
      holderInside.open();
      await holding.promise;
    });
    await holderInside.promise;
    const firstToken = (await lockOf('post-hot'))!.token;

    let waiterRan = false;
    const waiter = lock
      .withLock('post-hot', async () => {
        waiterRan = true;
      })
      .catch((error: unknown) => error);
    await sleep(300);

    // 8 s on, the first holder hands the post straight to the next one (as under a queue of
    // writers: the waiter never sees it free), whose lock is fresh again
    clock.advance(8000);
    const handedOver = await rows().updateOne(
      { _id: 'post-hot', token: firstToken },
      { $set: { token: 'next-holder', locked_at: new Date(clock.now()) } },
    );
    expect(handedOver.modifiedCount).toBe(1);
    await sleep(300);
    // the first holder's release removes only its own lock: the next holder's stays
    holding.open();
    await first;
    expect((await lockOf('post-hot'))?.token).toBe('next-holder');

    // past WAIT_MS since the waiter began, the lock it sees is only 7.5 s old: not dead, so the
    // waiter gives up
    const gaveUpAt = Date.now();
    clock.advance(WAIT_MS - 8000 + 500);
    const error = await waiter;
    console.log(`post lock: the waiter gave up ${Date.now() - gaveUpAt} ms after its deadline`);
    expect(error).toBeInstanceOf(PostLockTimeoutError);
    expect((error as Error).message).toBe(
      `post post-hot stayed locked by another writer for ${WAIT_MS} ms`,
    );
    expect(waiterRan).toBe(false);
    // a writer that gave up leaves the holder's lock alone
    expect((await lockOf('post-hot'))?.token).toBe('next-holder');
  });

  it('a takeover removes exactly the dead holder’s lock: one a newer holder took meanwhile stays', async () => {
    const clock = handClock();
    await rows().insertOne({
      _id: 'post-race',
      token: 'dead-holder',
      locked_at: new Date(clock.now() - LOCK_TTL_MS - 1000),
    });
    // between this writer finding the dead lock and deleting it, another writer takes the post
    // over first (a real insert and delete on FerretDB, just at the worst moment)
    const deletes: unknown[] = [];
    let raced = false;
    const racedLocks = (() => {
      const real = locks();
      return {
        insertOne: real.insertOne.bind(real),
        findOne: real.findOne.bind(real),
        deleteOne: async (filter: { _id: string; token: string }) => {
          deletes.push(filter);
          if (!raced && filter.token === 'dead-holder') {
            raced = true;
            await real.deleteOne({ _id: 'post-race', token: 'dead-holder' });
            await real.insertOne({
              _id: 'post-race',
              token: 'newer-holder',
              locked_at: new Date(clock.now()),
            });
          }
          return real.deleteOne(filter);
        },
      };
    }) as unknown as Locks;

    let ran = false;
    const writer = new MongoPostLock(racedLocks, clock.now).withLock('post-race', async () => {
      ran = true;
      return lockOf('post-race');
    });
    await sleep(500);
    // the takeover's delete named the dead holder's token and so missed the newer lock
    expect(deletes).toEqual([{ _id: 'post-race', token: 'dead-holder' }]);
    expect((await lockOf('post-race'))?.token).toBe('newer-holder');
    expect(ran).toBe(false); // the newer holder is alive: the writer waits for it

    await rows().deleteOne({ _id: 'post-race', token: 'newer-holder' });
    const lockDuringWork = await writer;
    expect(ran).toBe(true);
    expect(lockDuringWork?.token).not.toMatch(/^(dead|newer)-holder$/);
    expect(await lockOf('post-race')).toBeNull();
  });
});
