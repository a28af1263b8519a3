import { badParameter, optionalParam } from '../common/http/query-params';
import { decodeCursor } from '../store/cursor';
import { POST_SORTS, PostSort } from '../store/post-store';

/** Posts on one page of the front page, and the API's default `limit`. */
export const PAGE_SIZE = 20;
export const MAX_LIMIT = 100;

type Query = Record<string, unknown>;

export function parseSort(query: Query): PostSort {
  const sort = optionalParam(query, 'sort') ?? 'newest';
  if (!(POST_SORTS as readonly string[]).includes(sort)) {
    throw badParameter('sort', `sort must be one of ${POST_SORTS.join(', ')}.`);
  }
  return sort as PostSort;
}

/**
 * The page cursor, checked against `sort` here (400: a tampered, foreign or out-of-range cursor)
 * so it never reaches a store; the stores decode it again for its position.
 */
export function parseCursor(query: Query, sort?: PostSort): string | undefined {
  const cursor = optionalParam(query, 'cursor');
  if (cursor !== undefined && sort !== undefined) decodeCursor(cursor, sort);
  return cursor;
}

export function parseLimit(query: Query): number {
  const raw = optionalParam(query, 'limit');
  if (raw === undefined) return PAGE_SIZE;
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw badParameter('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}.`);
  }
  return limit;
}
