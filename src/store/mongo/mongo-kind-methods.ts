import { KindRecord } from '../../kinds/record-kind';
import { KindMethods } from '../kind-methods';
import { RecordState } from '../replica';

/**
 * A record kind's store methods in MongoDB: its replica writes (KindMethods) and its repair, which
 * depend on how the kind orders its versions and what goes with it. Scans, counts, point reads and
 * verify come from the kind's declaration (MongoReplica).
 */
export interface MongoKindMethods<R extends KindRecord> extends KindMethods<R> {
  /** Makes the stored record exactly what `state` says, even where it drifted without a version change. */
  repair(id: string, state: RecordState<R>): Promise<void>;
}
