import { StoreName } from '../../config/migration-phase';
import { CassandraHintLog } from './cassandra-hint-log';
import { HintLog } from './hint-log';
import { MongoHintLog } from './mongo-hint-log';

/** Each store's hint log (a dual-write phase keeps its hints in its primary, see phasePlan). */
export class HintLogs {
  private readonly byName: Record<StoreName, HintLog>;

  constructor(mongo: MongoHintLog, cassandra: CassandraHintLog) {
    this.byName = { mongo, cassandra };
  }

  get(store: StoreName): HintLog {
    return this.byName[store];
  }
}
