import { types } from 'cassandra-driver';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { mapConcurrent } from '../../common/map-concurrent';

/** One slice of the Murmur3 token ring: `token(pk) > start AND token(pk) <= end`. */
export interface TokenRange {
  start: types.Long;
  end: types.Long;
}

/** -2^63: below every real token, so `token(pk) > MIN_TOKEN` is the whole ring. */
export const MIN_TOKEN = -(1n << 63n);
export const MAX_TOKEN = (1n << 63n) - 1n;

/**
 * Splits the whole Murmur3 ring (-2^63, 2^63-1] into `count` contiguous ranges. Each range is
 * a bounded query, so a full-table count or scan never becomes one unbounded statement and its
 * ranges can run side by side.
 */
export function tokenRanges(count: number, from: bigint = MIN_TOKEN): TokenRange[] {
  const span = MAX_TOKEN - from;
  const ranges: TokenRange[] = [];
  let start = from;
  for (let i = 1; i <= count; i++) {
    const end = i === count ? MAX_TOKEN : from + (span * BigInt(i)) / BigInt(count);
    ranges.push({
      start: types.Long.fromString(start.toString()),
      end: types.Long.fromString(end.toString()),
    });
    start = end;
  }
  return ranges;
}

/**
 * Counts a table's rows with COUNT(*) per token range (16 ranges, 4 at a time): every replica
 * does part of the work and no single statement scans the whole table.
 */
export async function countRows(
  client: CassandraClient,
  table: string,
  partitionKey: string,
  from: bigint = MIN_TOKEN,
): Promise<number> {
  const counts = await mapConcurrent(tokenRanges(16, from), 4, async ({ start, end }) => {
    const result = await client.execute(
      `SELECT COUNT(*) AS n FROM ${client.table(table)} WHERE token(${partitionKey}) > ? AND token(${partitionKey}) <= ?`,
      [start, end],
      { idempotent: true },
    );
    return Number(result.first().get('n'));
  });
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Visits every row of a table, range by range (16 token ranges, `concurrency` at a time, pages
 * of 1000 rows): a full scan as bounded statements that every replica shares. `columns` may
 * name anything a SELECT can (WRITETIME(...) included).
 */
export async function scanTable(
  client: CassandraClient,
  table: string,
  partitionKey: string,
  columns: string,
  visit: (row: types.Row) => void,
  concurrency = 4,
): Promise<void> {
  await mapConcurrent(tokenRanges(16), concurrency, async ({ start, end }) => {
    for await (const row of client.rows(
      `SELECT ${columns} FROM ${client.table(table)} WHERE token(${partitionKey}) > ? AND token(${partitionKey}) <= ?`,
      [start, end],
      { idempotent: true, fetchSize: 1000 },
    )) {
      visit(row);
    }
  });
}
