import { StoreName } from '../config/migration-phase';
import { RecordKinds } from '../kinds/record-kinds';
import { Replica } from './replica';

/**
 * The injection token of the migration's side of the stores: each store as a Replica, and the
 * record kinds they hold (the same kinds in both, in backfill order).
 */
export class Replicas {
  constructor(
    readonly kinds: RecordKinds,
    private readonly byName: Readonly<Record<StoreName, Replica>>,
  ) {}

  get(name: StoreName): Replica {
    return this.byName[name];
  }
}
