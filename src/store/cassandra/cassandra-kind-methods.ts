import { CassandraStatement } from '../../database/cassandra/cassandra-client';
import { CassandraTable, KindRecord } from '../../kinds/record-kind';
import { KindMethods } from '../kind-methods';
import { RecordState } from '../replica';

/**
 * A record kind's store methods in Cassandra: its replica writes (KindMethods), which depend on
 * how the kind orders its versions and what goes with it. Scans, counts, point reads, verify and
 * the row-level repairs come from the kind's declaration (CassandraReplica).
 */
export interface CassandraKindMethods<R extends KindRecord> extends KindMethods<R> {
  /**
   * The statements that write the record's row of `table` at `timestamp` (a repair), where the
   * kind writes more than the declared columns; undefined: the declared columns (insertRow).
   */
  rowWrites?(
    table: CassandraTable<R>,
    record: R,
    timestamp: number,
  ): CassandraStatement[] | undefined;
  /**
   * After a repair made the record's rows what `state` requires: bookkeeping the kind keeps
   * beside its rows (an account's name claim) is brought in line too.
   */
  repaired?(state: RecordState<R>): Promise<void>;
}
