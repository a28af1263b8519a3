import { KindRecord, RecordKind } from '../../kinds/record-kind';
import { Deletion, RecordState, RecordWriter } from '../replica';

/**
 * A record kind's store methods in MongoDB: the replica writes and the repair, which depend on
 * how the kind orders its versions and what goes with it. Scans, counts, point reads and verify
 * come from the kind's declaration (MongoReplica).
 */
export interface MongoKindMethods<R extends KindRecord> {
  readonly kind: RecordKind<R>;
  /** Writes this version unless a newer one or a later deletion is stored (see Replica.apply). */
  apply(record: R, predecessor?: R | null): Promise<void>;
  /** The writer of a backfill run's pages. */
  writer(): RecordWriter<R>;
  /** Kinds with deletions: records the deletion and removes the record and what lives under it. */
  applyDelete?(id: string, deletedAt: number): Promise<void>;
  applyDeletes?(deletions: readonly Deletion[], concurrency: number): Promise<void>;
  /** Makes the stored record exactly what `state` says, even where it drifted without a version change. */
  repair(id: string, state: RecordState<R>): Promise<void>;
}
