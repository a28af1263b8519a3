import { types } from 'cassandra-driver';
import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import { CassandraTable, KindRecord } from '../../kinds/record-kind';

// Statements built from the tables the record kinds declare (src/kinds), so a table's columns
// and keys are written down once.

export const long = (n: number): types.Long => types.Long.fromNumber(n);

/** Declared numbers are bigint columns (versions, microseconds): the driver wants a Long. */
const param = (value: unknown) => (typeof value === 'number' ? long(value) : value);

/** Every column of the table, keys first. */
export function columnsOf(table: CassandraTable<KindRecord>): string[] {
  return [...table.keys, ...table.cells];
}

/**
 * Every column of the table and, with `writetimes`, the write time of each cell as
 * `wt_<column>` (what a repair needs to remove exactly that row; a digest pass does not).
 */
export function selectColumns(table: CassandraTable<KindRecord>, writetimes = false): string {
  const columns = columnsOf(table);
  if (!writetimes) return columns.join(', ');
  return [...columns, ...table.cells.map((c) => `WRITETIME(${c}) AS wt_${c}`)].join(', ');
}

/** The newest write time among a row's cells (null when none has one). */
export function rowWritetime(table: CassandraTable<KindRecord>, row: types.Row): number | null {
  let newest: number | null = null;
  for (const cell of table.cells) {
    const value = row.get(`wt_${cell}`) as types.Long | null | undefined;
    if (value === null || value === undefined) continue;
    const micros = value.toNumber();
    if (newest === null || micros > newest) newest = micros;
  }
  return newest;
}

/** `INSERT` of a row's declared columns at the given write time. */
export function insertRow<R extends KindRecord>(
  ks: string,
  table: CassandraTable<R>,
  values: Record<string, unknown>,
  timestamp: number,
): CassandraStatement {
  const columns = columnsOf(table as CassandraTable<KindRecord>);
  return {
    query: `INSERT INTO ${ks}.${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) USING TIMESTAMP ?`,
    params: [...columns.map((column) => param(values[column])), long(timestamp)],
  };
}

/** The `DELETE` of exactly one row (its full primary key), at the given write time. */
export function deleteRow<R extends KindRecord>(
  ks: string,
  table: CassandraTable<R>,
  key: readonly unknown[],
  timestamp: number,
): CassandraStatement {
  const where = table.keys.map((k) => `${k} = ?`).join(' AND ');
  return {
    query: `DELETE FROM ${ks}.${table.name} USING TIMESTAMP ? WHERE ${where}`,
    params: [long(timestamp), ...key],
  };
}

/** The `DELETE` of a whole partition (one tombstone, however many rows). */
export function deletePartition<R extends KindRecord>(
  ks: string,
  table: CassandraTable<R>,
  partition: unknown,
  timestamp: number,
): CassandraStatement {
  return {
    query: `DELETE FROM ${ks}.${table.name} USING TIMESTAMP ? WHERE ${table.partitionKey} = ?`,
    params: [long(timestamp), partition],
  };
}

/** The key values of a record's row in the table. */
export function keyOf<R extends KindRecord>(
  table: CassandraTable<R>,
  values: Record<string, unknown>,
): unknown[] {
  return table.keys.map((k) => values[k]);
}

/** Key values compared as text (dates by their milliseconds). */
export function keyText(table: string, key: readonly unknown[]): string {
  return `${table}|${key.map((v) => (v instanceof Date ? v.getTime() : String(v))).join('|')}`;
}

/** The listing partitions a row's table registers (see CassandraTable.listing). */
export const LISTING_PARTITIONS = 'listing_partitions';

/**
 * The listing partition a row lives in. Partitions are never removed (an empty one costs a read,
 * a missing one would hide rows); timestamp 0 because the row has no content to order.
 */
export function partitionWrite(ks: string, listing: string, partition: string): CassandraStatement {
  return {
    query: `INSERT INTO ${ks}.${LISTING_PARTITIONS} (listing, partition) VALUES (?, ?) USING TIMESTAMP 0`,
    params: [listing, partition],
  };
}
