/** Buckets the ids are spread over: each compares as one count and two sums of hash halves. */
export const BUCKETS = 4096;

/** FNV-1a of the id: spreads any id (not only the app's hex ids) over the buckets. */
export function bucketOf(id: string, buckets: number = BUCKETS): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}
