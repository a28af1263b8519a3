import { mapConcurrent } from '../common/map-concurrent';
import { KindRecord, RecordKind } from '../kinds/record-kind';
import { Deletion, RecordWriter, Replica, UnsupportedKindError } from './replica';

/**
 * A record kind's store methods in one store: its replica writes, which depend on how the kind
 * orders its versions and what goes with it. Each store extends this with what else it needs of
 * a kind (MongoKindMethods, CassandraKindMethods).
 */
export interface KindMethods<R extends KindRecord> {
  readonly kind: RecordKind<R>;
  /** Writes this version unless a newer one or a later deletion is stored (see Replica.apply). */
  apply(record: R, predecessor?: R | null): Promise<void>;
  /** Many records at once, same outcome as apply each (see Replica.applyMany); else apply each. */
  applyMany?(records: readonly R[], concurrency: number): Promise<void>;
  /** The writer of a backfill run's pages. */
  writer(): RecordWriter<R>;
  /** Kinds with deletions: records the deletion and removes the record and what lives under it. */
  applyDelete?(id: string, deletedAt: number, last?: R): Promise<void>;
  applyDeletes?(deletions: readonly Deletion[], concurrency: number): Promise<void>;
}

/**
 * The part of a store's Replica that hands each kind's replica writes to that kind's methods;
 * the store adds what it reads from the declarations (scans, counts, state, verify, repair).
 */
export abstract class KindMethodsReplica<M extends KindMethods<KindRecord>> extends Replica {
  private readonly methods = new Map<string, M>();

  // any kinds' methods (never: each is only called with its own kind's records)
  constructor(methods: readonly KindMethods<never>[]) {
    super();
    for (const m of methods) this.methods.set(m.kind.name, m as unknown as M);
  }

  /** The kinds this store has methods for, in the order given. */
  protected kindMethods(): M[] {
    return [...this.methods.values()];
  }

  protected methodsOf(kind: RecordKind): M {
    const methods = this.methods.get(kind.name);
    if (!methods) throw new UnsupportedKindError(this.name, kind.name);
    return methods;
  }

  writer<R extends KindRecord>(kind: RecordKind<R>): RecordWriter<R> {
    return this.methodsOf(kind).writer() as RecordWriter<R>;
  }

  apply<R extends KindRecord>(kind: RecordKind<R>, record: R, predecessor?: R | null) {
    return this.methodsOf(kind).apply(record, predecessor);
  }

  async applyMany<R extends KindRecord>(
    kind: RecordKind<R>,
    records: readonly R[],
    concurrency: number,
  ): Promise<void> {
    const methods = this.methodsOf(kind);
    if (methods.applyMany) return methods.applyMany(records, concurrency);
    await mapConcurrent(records, concurrency, (record) => methods.apply(record));
  }

  async applyDelete<R extends KindRecord>(
    kind: RecordKind<R>,
    id: string,
    deletedAt: number,
    last?: R,
  ) {
    const methods = this.methodsOf(kind);
    if (!methods.applyDelete) throw new Error(`record kind ${kind.name} keeps no deletions`);
    await methods.applyDelete(id, deletedAt, last);
  }

  async applyDeletes(kind: RecordKind, deletions: readonly Deletion[], concurrency: number) {
    const methods = this.methodsOf(kind);
    if (!methods.applyDeletes) throw new Error(`record kind ${kind.name} keeps no deletions`);
    await methods.applyDeletes(deletions, concurrency);
  }
}
