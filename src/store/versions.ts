import { randomBytes } from 'node:crypto';

/** Microseconds since the epoch; Date has only milliseconds, so a counter breaks ties within one. */
let lastMicros = 0;
export function nowMicros(): number {
  const micros = Date.now() * 1000;
  lastMicros = micros > lastMicros ? micros : lastMicros + 1;
  return lastMicros;
}

/**
 * The version of a post's next change: its write time in microseconds, and always above the
 * previous version even if this machine's clock is behind the one that wrote it. Cassandra writes
 * use it as `USING TIMESTAMP`, so a version is also the moment that change wins from.
 * (2^53 microseconds is the year 2255: plain numbers are exact.)
 */
export function nextVersion(previous?: number): number {
  const now = nowMicros();
  return previous !== undefined && previous >= now ? previous + 1 : now;
}

/**
 * The write timestamp of a post's deletion: later than every version it had, so a stale or
 * replayed upsert of that post can never bring it back.
 */
export function deleteVersion(lastVersion: number): number {
  return nextVersion(lastVersion);
}

/**
 * The write timestamp of a comment's deletion: after its only write (its creation, in
 * microseconds), so a late copy of the comment can never bring it back.
 */
export function commentDeleteVersion(createdAt: Date): number {
  return nextVersion(createdAt.getTime() * 1000);
}

/**
 * A new record id: 24 hex characters laid out like a MongoDB ObjectId (4 bytes of seconds, then
 * 8 random bytes), so ids sort roughly by creation time, look familiar in URLs, and are made by
 * the app before the first write to either store.
 */
export function newId(now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(seconds >>> 0);
  return head.toString('hex') + randomBytes(8).toString('hex');
}

const ID_PATTERN = /^[0-9a-f]{24}$/;

/** True for ids this app makes; anything else is a 404, never a query. */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}
