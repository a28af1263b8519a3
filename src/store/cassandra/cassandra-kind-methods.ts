import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import { CassandraTable, KindRecord, RecordKind } from '../../kinds/record-kind';
import { Deletion, RecordWriter } from '../replica';

/**
 * A record kind's store methods in Cassandra: its replica writes, which depend on how the kind
 * orders its versions and what goes with it. Scans, counts, point reads, verify and the row-level
 * repairs come from the kind's declaration (CassandraReplica).
 */
export interface CassandraKindMethods<R extends KindRecord> {
  readonly kind: RecordKind<R>;
  /** Writes this version unless a newer one or a later deletion is stored (see Replica.apply). */
  apply(record: R, predecessor?: R | null): Promise<void>;
  /** The writer of a backfill run's pages. */
  writer(): RecordWriter<R>;
  /** Kinds with deletions: records the deletion and removes the record and what lives under it. */
  applyDelete?(id: string, deletedAt: number, last?: R): Promise<void>;
  applyDeletes?(deletions: readonly Deletion[], concurrency: number): Promise<void>;
  /**
   * The statements that write the record's row of `table` at `timestamp` (a repair), where the
   * kind writes more than the declared columns; undefined: the declared columns (insertRow).
   */
  rowWrites?(
    table: CassandraTable<R>,
    record: R,
    timestamp: number,
  ): CassandraStatement[] | undefined;
}
