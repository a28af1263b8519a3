import { Collection } from 'mongoose';
import { isDuplicateKey } from './mongo-documents';
import { sleep } from '../../common/sleep';
import { StoreUnavailableError } from '../store-errors';

interface LockDocument {
  _id: string;
  /** random, so only the holder releases it */
  token: string;
  locked_at: Date;
}

/** A holder that has not released its lock after this long is taken to be dead. */
export const LOCK_TTL_MS = 10_000;
/** How long a writer waits for a post's lock before it gives up (the request fails). */
const WAIT_MS = 15_000;
/** How often a waiter reads the lock to see whether its holder died. */
const HOLDER_CHECK_MS = 1_000;
/** The longest pause between two tries (the mean is this, ±50%). */
const MAX_BACKOFF_MS = 100;

/** Another writer held the post for longer than a request may wait (503: try again). */
export class PostLockTimeoutError extends StoreUnavailableError {
  constructor(id: string) {
    super(`post ${id} stayed locked by another writer for ${WAIT_MS} ms`);
    this.name = 'PostLockTimeoutError';
  }
}

/**
 * One writer per post at a time, built on the only writes both MongoDB and FerretDB make atomic:
 * inserting a unique `_id` and deleting by `_id`. FerretDB 1.24 evaluates an update's filter and
 * writes the document in two separate steps, so "update where version = N" can let two writers
 * both win; under this lock each check-then-write on a post runs alone. (On MongoDB the lock is
 * redundant but harmless.) A holder that died is replaced once its lock is LOCK_TTL_MS old.
 */
export class MongoPostLock {
  constructor(
    private readonly locks: () => Collection<LockDocument>,
    private readonly now: () => number = Date.now,
  ) {}

  async withLock<T>(postId: string, work: () => Promise<T>): Promise<T> {
    const token = Math.random().toString(36).slice(2) + this.now().toString(36);
    await this.acquire(postId, token);
    try {
      return await work();
    } finally {
      await this.locks().deleteOne({ _id: postId, token });
    }
  }

  private async acquire(postId: string, token: string): Promise<void> {
    const started = this.now();
    let checked = -Infinity; // the first refusal looks at once
    for (let attempt = 0; ; attempt++) {
      try {
        await this.locks().insertOne({ _id: postId, token, locked_at: new Date(this.now()) });
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      // whether the holder died is looked at on the first refusal and then about once a second,
      // not on every try: with many waiters, each extra read slows the holder they all wait for
      if (this.now() - checked >= HOLDER_CHECK_MS) {
        checked = this.now();
        const holder = await this.locks().findOne({ _id: postId });
        if (holder && this.now() - holder.locked_at.getTime() >= LOCK_TTL_MS) {
          // the holder died: remove exactly its lock (a newer holder's stays) and try again
          await this.locks().deleteOne({ _id: postId, token: holder.token });
          continue;
        }
      }
      if (this.now() - started > WAIT_MS) throw new PostLockTimeoutError(postId);
      // exponential, unlike a request retry's short backoff: many copies of one post can queue
      // here, and polling FerretDB every few ms each slows the holder they are waiting for
      await sleep(Math.min(2 ** attempt, MAX_BACKOFF_MS) * (0.5 + Math.random()));
    }
  }
}
