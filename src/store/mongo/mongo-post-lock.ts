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
    for (let attempt = 0; ; attempt++) {
      try {
        await this.locks().insertOne({ _id: postId, token, locked_at: new Date(this.now()) });
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const holder = await this.locks().findOne({ _id: postId });
      if (holder && this.now() - holder.locked_at.getTime() >= LOCK_TTL_MS) {
        // the holder died: remove exactly its lock (a newer holder's stays) and try again
        await this.locks().deleteOne({ _id: postId, token: holder.token });
        continue;
      }
      if (this.now() - started > WAIT_MS) throw new PostLockTimeoutError(postId);
      // exponential, unlike a request retry's short backoff: many copies of one post can queue
      // here, and polling FerretDB every few ms each slows the holder they are waiting for
      await sleep(Math.min(2 ** attempt, 50) * (0.5 + Math.random()));
    }
  }
}
