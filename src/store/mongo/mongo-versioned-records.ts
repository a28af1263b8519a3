import { Collection, Connection } from 'mongoose';
import { mapConcurrent } from '../../common/map-concurrent';
import { fromDocument, KindRecord, RecordKind, toDocument } from '../../kinds/record-kind';
import { Deletion, RecordState, RecordWriter } from '../replica';
import { isDuplicateKey, TombstoneDocument } from './mongo-documents';
import { MongoKindMethods } from './mongo-kind-methods';
import { MongoPostLock } from './mongo-post-lock';

export type VersionedRecord = KindRecord & { version: number };

type Doc = { _id: string } & Record<string, unknown>;

/**
 * A kind's own unique field besides the id (an account's username): what the store answers when
 * a write finds it held by another record.
 */
export interface UniqueField<R> {
  /** the field's value in a record (as stored) */
  valueOf(record: R): string;
  /** the MongoDB field the unique index is on */
  mongo: string;
  /** a request's write found it taken: the caller's error (a 409) */
  taken(record: R): Error;
  /** a replica write found it held by `holderId`: the copy fails, reported */
  clash(record: R, holderId: string): Error;
}

/**
 * A small record kind in MongoDB (accounts, credentials): one document per record with a version
 * that grows on every change, and optionally tombstones of deleted records. Every
 * check-then-write runs under the record's lock (MongoPostLock: FerretDB does not make a
 * filtered update atomic), and a unique field's writes also under the value's lock, so the
 * unique index and the lock both keep it unique. Shared by the request store and the replica.
 */
export class MongoVersionedRecords<R extends VersionedRecord> implements MongoKindMethods<R> {
  constructor(
    readonly kind: RecordKind<R>,
    private readonly connection: Connection,
    private readonly lock: MongoPostLock,
    private readonly unique?: UniqueField<R>,
  ) {}

  get collection(): Collection<Doc> {
    return this.connection.collection<Doc>(this.kind.mongo.collection);
  }

  private get tombstones(): Collection<TombstoneDocument> | undefined {
    const deletions = this.kind.deletions;
    return deletions && this.connection.collection<TombstoneDocument>(deletions.mongo);
  }

  async get(id: string): Promise<R | null> {
    const doc = await this.collection.findOne({ _id: id });
    return doc ? fromDocument(this.kind, doc) : null;
  }

  /** Records matching a filter, in the given order. */
  async find(filter: Record<string, unknown>, sort: Record<string, 1 | -1>): Promise<R[]> {
    const docs = await this.collection.find(filter).sort(sort).toArray();
    return docs.map((doc) => fromDocument(this.kind, doc));
  }

  /** A request's new record (fresh id); the unique field's `taken` error when it is held. */
  async create(record: R): Promise<void> {
    await this.withLocks(record, undefined, async () => {
      await this.checkFree(record, 'request');
      try {
        await this.collection.insertOne(this.document(record));
      } catch (error) {
        throw await this.duplicate(error, record, 'request');
      }
    });
  }

  /** A request's change: only from exactly `previous` (false otherwise, nothing written). */
  async update(next: R, previous: R): Promise<boolean> {
    return this.withLocks(next, previous, async () => {
      const stored = await this.storedVersion(next.id);
      if (stored !== previous.version || next.version <= previous.version) return false;
      await this.checkFree(next, 'request');
      try {
        await this.collection.replaceOne({ _id: next.id }, this.document(next));
      } catch (error) {
        throw await this.duplicate(error, next, 'request');
      }
      return true;
    });
  }

  /**
   * A request's deletion: only of exactly `previous` (false otherwise), recorded at `deletedAt`
   * (after every version it had) so no late copy brings it back.
   */
  async remove(previous: R, deletedAt: number): Promise<boolean> {
    const tombstones = this.requireTombstones();
    return this.lock.withLock(this.lockId(previous.id), async () => {
      if ((await this.storedVersion(previous.id)) !== previous.version) return false;
      await tombstones.updateOne(
        { _id: previous.id },
        { $max: { deleted_at: deletedAt } },
        { upsert: true },
      );
      await this.collection.deleteOne({ _id: previous.id });
      return true;
    });
  }

  async apply(record: R): Promise<void> {
    await this.withLocks(record, undefined, async () => {
      if (await this.deletedSince(record.id, record.version)) return;
      const stored = await this.storedVersion(record.id);
      if (stored !== undefined && stored >= record.version) return;
      await this.checkFree(record, 'replica');
      try {
        await this.collection.replaceOne({ _id: record.id }, this.document(record), {
          upsert: true,
        });
      } catch (error) {
        throw await this.duplicate(error, record, 'replica');
      }
    });
  }

  /** Few records: a page is applied record by record. */
  writer(): RecordWriter<R> {
    return (records, concurrency) =>
      mapConcurrent(records, concurrency, (record) => this.apply(record)).then(() => undefined);
  }

  async applyDelete(id: string, deletedAt: number): Promise<void> {
    const tombstones = this.requireTombstones();
    await this.lock.withLock(this.lockId(id), async () => {
      await tombstones.updateOne(
        { _id: id },
        { $max: { deleted_at: deletedAt } },
        { upsert: true },
      );
      const stored = await this.storedVersion(id);
      // a version written after the deletion outlives it
      if (stored !== undefined && stored <= deletedAt) await this.collection.deleteOne({ _id: id });
    });
  }

  async applyDeletes(deletions: readonly Deletion[], concurrency: number): Promise<void> {
    await mapConcurrent(deletions, concurrency, ({ id, deletedAt }) =>
      this.applyDelete(id, deletedAt),
    );
  }

  /** Writes the record exactly as given unless a newer version arrived; or removes it. */
  async repair(id: string, state: RecordState<R>): Promise<void> {
    if (state.kind === 'live') {
      const record = state.record;
      await this.withLocks(record, undefined, async () => {
        const stored = await this.storedVersion(id);
        if (stored !== undefined && stored > record.version) return;
        await this.checkFree(record, 'replica');
        await this.collection.replaceOne({ _id: id }, this.document(record), { upsert: true });
      });
      return;
    }
    const stored = await this.storedVersion(id);
    if (!this.kind.deletions) {
      await this.collection.deleteOne({ _id: id });
      return;
    }
    const at = Math.max(state.kind === 'deleted' ? state.deletedAt : 0, stored ?? 0);
    if (at > 0) await this.applyDelete(id, at);
  }

  private document(record: R): Doc {
    return toDocument(this.kind, record) as Doc;
  }

  private lockId(id: string): string {
    return `${this.kind.name}:${id}`;
  }

  /** The record's lock, and the locks of the unique values it takes and gives up. */
  private async withLocks<T>(record: R, previous: R | undefined, work: () => Promise<T>) {
    const ids = [this.lockId(record.id)];
    if (this.unique) {
      const values = new Set([this.unique.valueOf(record)]);
      if (previous) values.add(this.unique.valueOf(previous));
      // always in the same order, so two writers never wait for each other
      ids.push(
        ...[...values].sort().map((value) => `${this.kind.name}.${this.unique!.mongo}:${value}`),
      );
    }
    const run = (index: number): Promise<T> =>
      index === ids.length ? work() : this.lock.withLock(ids[index], () => run(index + 1));
    return run(0);
  }

  /** Under the value's lock: another record holding the unique value refuses the write. */
  private async checkFree(record: R, by: 'request' | 'replica'): Promise<void> {
    if (!this.unique) return;
    const holder = await this.collection.findOne(
      { [this.unique.mongo]: this.unique.valueOf(record) },
      { projection: { _id: 1 } },
    );
    if (holder && holder._id !== record.id) {
      throw by === 'request' ? this.unique.taken(record) : this.unique.clash(record, holder._id);
    }
  }

  /** What a duplicate key error means: the unique field taken (the index saw a racing write). */
  private async duplicate(error: unknown, record: R, by: 'request' | 'replica'): Promise<unknown> {
    if (!isDuplicateKey(error) || !this.unique) return error;
    const holder = await this.collection.findOne(
      { [this.unique.mongo]: this.unique.valueOf(record) },
      { projection: { _id: 1 } },
    );
    if (!holder || holder._id === record.id) return error;
    return by === 'request' ? this.unique.taken(record) : this.unique.clash(record, holder._id);
  }

  private requireTombstones(): Collection<TombstoneDocument> {
    const tombstones = this.tombstones;
    if (!tombstones) throw new Error(`record kind ${this.kind.name} keeps no deletions`);
    return tombstones;
  }

  private async deletedSince(id: string, version: number): Promise<boolean> {
    if (!this.tombstones) return false;
    const tombstone = await this.tombstones.findOne({ _id: id });
    return !!tombstone && Number(tombstone.deleted_at) >= version;
  }

  private async storedVersion(id: string): Promise<number | undefined> {
    const doc = await this.collection.findOne({ _id: id }, { projection: { version: 1 } });
    return doc ? Number(doc.version) : undefined;
  }
}
