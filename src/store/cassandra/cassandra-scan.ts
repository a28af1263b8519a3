import { types } from 'cassandra-driver';
import { CassandraClient } from '../../database/cassandra/cassandra-client';

/** One slice of the Murmur3 token ring: `token(pk) > start AND token(pk) <= end`. */
export interface TokenRange {
  start: types.Long;
  end: types.Long;
}

/**
 * Splits the whole Murmur3 ring (-2^63, 2^63-1] into `count` contiguous ranges. Each range is
 * a bounded query, so a full-table count or scan never becomes one unbounded statement and its
 * ranges can run side by side.
 */
export function tokenRanges(count: number): TokenRange[] {
  const min = BigInt.asIntN(64, 1n << 63n); // -2^63, never a real token
  const span = (1n << 64n) - 1n;
  const ranges: TokenRange[] = [];
  let start = min;
  for (let i = 1; i <= count; i++) {
    const end = i === count ? (1n << 63n) - 1n : min + (span * BigInt(i)) / BigInt(count);
    ranges.push({
      start: types.Long.fromString(start.toString()),
      end: types.Long.fromString(end.toString()),
    });
    start = end;
  }
  return ranges;
}

/** Runs `task` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Counts a table's rows with COUNT(*) per token range (16 ranges, 4 at a time): every replica
 * does part of the work and no single statement scans the whole table.
 */
export async function countRows(
  client: CassandraClient,
  table: string,
  partitionKey: string,
): Promise<number> {
  const counts = await mapConcurrent(tokenRanges(16), 4, async ({ start, end }) => {
    const result = await client.execute(
      `SELECT COUNT(*) AS n FROM ${client.table(table)} WHERE token(${partitionKey}) > ? AND token(${partitionKey}) <= ?`,
      [start, end],
      { idempotent: true },
    );
    return Number(result.first().get('n'));
  });
  return counts.reduce((a, b) => a + b, 0);
}
