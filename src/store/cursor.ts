import { BadInputError } from '../common/errors/service-errors';
import { BAD_CURSOR_MESSAGE } from '../common/http/query-params';
import { POST_SORTS, PostSort, PostSummary } from './post';
import type { PostPage } from './post-store';
import { monthOf } from '../kinds/post.kind';
import { MAX_TITLE_KEY_LENGTH, titleKey, titlePrefix } from '../kinds/title-key';

/**
 * A position in one sort order of the post listing: the sort key of a post and its id (the tie
 * breaker), and whether the page wanted comes after or before it. Opaque to clients (base64url
 * JSON); a cursor that does not decode, or belongs to another sort, is a client error.
 */
export interface Cursor {
  sort: PostSort;
  /** milliseconds since the epoch for the date sorts, the title key for the alphabetical ones */
  key: number | string;
  id: string;
  direction: 'after' | 'before';
}

/**
 * The dates a cursor may name: years 1 to 9999. Both stores and JavaScript hold more, but a
 * month partition ('YYYY-MM', Cassandra's posts_by_month) exists only for these, and a date
 * beyond JavaScript's range (e.g. 9e15 ms) is no date at all.
 */
export const MIN_CURSOR_DATE_MS = -62_135_596_800_000; // 0001-01-01T00:00:00.000Z
export const MAX_CURSOR_DATE_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

function isCursorDate(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= MIN_CURSOR_DATE_MS &&
    value <= MAX_CURSOR_DATE_MS
  );
}

/**
 * The longest post cursor: a title key of MAX_TITLE_KEY_LENGTH units, each at worst 6 bytes of
 * JSON (a lone surrogate as \udxxx), the sort, id and direction (under 64 bytes), in base64.
 */
const MAX_CURSOR_LENGTH = Math.ceil((MAX_TITLE_KEY_LENGTH * 6 + 64) / 3) * 4;

/** A page cursor that does not decode, or belongs to another sort: a client error (400). */
export class InvalidCursorError extends BadInputError {
  constructor() {
    super('cursor', BAD_CURSOR_MESSAGE);
    this.name = 'InvalidCursorError';
  }
}

export function sortKeyOf(
  sort: PostSort,
  post: Pick<PostSummary, 'createdAt' | 'title'>,
): number | string {
  return sort === 'newest' || sort === 'oldest' ? post.createdAt.getTime() : titleKey(post.title);
}

/**
 * The listing partition a cursor's position lies in, as both stores partition their listings:
 * the month for the date sorts, the title's prefix for the alphabetical ones.
 */
export function partitionOfCursor(cursor: Cursor): string {
  return cursor.sort === 'newest' || cursor.sort === 'oldest'
    ? monthOf(new Date(cursor.key as number))
    : titlePrefix(cursor.key as string);
}

export function encodeCursor(cursor: Cursor): string {
  const payload = [cursor.sort, cursor.key, cursor.id, cursor.direction === 'after' ? 'a' : 'b'];
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** Decodes a cursor for `sort`; throws InvalidCursorError for anything else. */
export function decodeCursor(raw: string, sort: PostSort): Cursor {
  let payload: unknown;
  try {
    if (raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw))
      throw new InvalidCursorError();
    payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(payload) || payload.length !== 4) throw new InvalidCursorError();
  const [cursorSort, key, id, direction] = payload as unknown[];
  const dateSort = sort === 'newest' || sort === 'oldest';
  const keyOk = dateSort
    ? isCursorDate(key)
    : typeof key === 'string' && key.length <= MAX_TITLE_KEY_LENGTH;
  if (
    cursorSort !== sort ||
    !(POST_SORTS as readonly unknown[]).includes(cursorSort) ||
    !keyOk ||
    typeof id !== 'string' ||
    !/^[0-9a-f]{24}$/.test(id) ||
    (direction !== 'a' && direction !== 'b')
  ) {
    throw new InvalidCursorError();
  }
  return {
    sort,
    key: key as number | string,
    id,
    direction: direction === 'a' ? 'after' : 'before',
  };
}

/** Position after a comment in a post's oldest-first comment list. */
export function encodeCommentCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.getTime(), id]), 'utf8').toString('base64url');
}

export function decodeCommentCursor(raw: string): { createdAt: Date; id: string } {
  try {
    if (raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw new InvalidCursorError();
    const payload: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(payload) &&
      payload.length === 2 &&
      isCursorDate(payload[0]) &&
      typeof payload[1] === 'string' &&
      /^[0-9a-f]{24}$/.test(payload[1])
    ) {
      return { createdAt: new Date(payload[0] as number), id: payload[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

/**
 * Turns the rows a keyset read returned (up to limit + 1, in the direction read) into a page
 * with cursors to its neighbours: the extra row says another page exists that way, and a page
 * read backwards ('before' a cursor) is flipped back into the sort order.
 */
export function pageFromRows(
  rows: PostSummary[],
  sort: PostSort,
  limit: number,
  cursor: Cursor | undefined,
): PostPage {
  const backwards = cursor?.direction === 'before';
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  if (backwards) items.reverse();
  const first = items[0];
  const last = items[items.length - 1];
  const at = (post: PostSummary, direction: Cursor['direction']) =>
    encodeCursor({ sort, key: sortKeyOf(sort, post), id: post.id, direction });
  const hasNext = backwards ? !!cursor : more;
  const hasPrev = backwards ? more : !!cursor;
  return {
    items,
    next: hasNext && last ? at(last, 'after') : undefined,
    prev: hasPrev && first ? at(first, 'before') : undefined,
  };
}
