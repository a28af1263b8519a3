import { Collection, Connection } from 'mongoose';
import { hashOf } from '../../common/hash';
import { fromDocument, KindRecord, plain, RecordKind, recordHash } from '../../kinds/record-kind';
import { KindMethodsReplica } from '../kind-methods';
import { Deletion, OwnChannel, RecordState, ScanPage, SeenEntry, VerifySink } from '../replica';
import { TombstoneDocument } from './mongo-documents';
import { MongoKindMethods } from './mongo-kind-methods';

type Doc = { _id: string } & Record<string, unknown>;

/** Everything after `after` in _id order (undefined: everything). */
const afterId = (after?: string) => (after === undefined ? {} : { _id: { $gt: after } });

/** Streams a cursor in pages; positions are _ids (the scan order). */
async function* pages<D extends { _id: string }, T>(
  cursor: AsyncIterable<D>,
  pageSize: number,
  map: (doc: D) => T,
): AsyncIterable<ScanPage<T>> {
  let items: T[] = [];
  let last = '';
  for await (const doc of cursor) {
    items.push(map(doc));
    last = doc._id;
    if (items.length >= pageSize) {
      yield { items, position: last };
      items = [];
    }
  }
  if (items.length > 0) yield { items, position: last };
}

/**
 * MongoDB (or FerretDB) as the migration sees it, for every kind it has store methods for.
 * Scans read a kind's collection once in _id order (one cursor, fetched in batches), so a resumed
 * scan is one query from the checkpoint on. Verify hashes each document's record and checks the
 * fields stored beside it (sort keys, excerpts) against what the record gives.
 */
export class MongoReplica extends KindMethodsReplica<MongoKindMethods<KindRecord>> {
  readonly name = 'mongo' as const;

  constructor(
    private readonly connection: Connection,
    methods: readonly MongoKindMethods<never>[],
  ) {
    super(methods);
  }

  private collection(kind: RecordKind): Collection<Doc> {
    return this.connection.collection<Doc>(kind.mongo.collection);
  }

  private tombstones(kind: RecordKind): Collection<TombstoneDocument> {
    if (!kind.deletions) throw new Error(`record kind ${kind.name} keeps no deletions`);
    return this.connection.collection<TombstoneDocument>(kind.deletions.mongo);
  }

  scan<R extends KindRecord>(
    kind: RecordKind<R>,
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<R>> {
    const cursor = this.collection(kind).find(afterId(after)).sort({ _id: 1 }).batchSize(pageSize);
    return pages(cursor, pageSize, (doc) => fromDocument(kind, doc));
  }

  scanDeletions(
    kind: RecordKind,
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<Deletion>> {
    const cursor = this.tombstones(kind).find(afterId(after)).sort({ _id: 1 }).batchSize(pageSize);
    return pages(cursor, pageSize, (doc) => ({ id: doc._id, deletedAt: Number(doc.deleted_at) }));
  }

  estimate(kind: RecordKind): Promise<number> {
    return this.collection(kind).estimatedDocumentCount();
  }

  countAfter(kind: RecordKind, after?: string): Promise<number> {
    return this.collection(kind).countDocuments(afterId(after));
  }

  async state<R extends KindRecord>(kind: RecordKind<R>, id: string): Promise<RecordState<R>> {
    const doc = await this.collection(kind).findOne({ _id: id });
    if (doc) return { kind: 'live', record: fromDocument(kind, doc) };
    if (!kind.deletions) return { kind: 'absent' };
    const tombstone = await this.tombstones(kind).findOne({ _id: id });
    return tombstone
      ? { kind: 'deleted', deletedAt: Number(tombstone.deleted_at) }
      : { kind: 'absent' };
  }

  /** One `$in` query for the records, one for the deletions of those not found. */
  async states<R extends KindRecord>(
    kind: RecordKind<R>,
    ids: readonly string[],
    _concurrency: number,
  ): Promise<Map<string, RecordState<R>>> {
    const out = new Map<string, RecordState<R>>();
    if (ids.length === 0) return out;
    for (const doc of await this.collection(kind)
      .find({ _id: { $in: [...ids] } })
      .toArray()) {
      out.set(doc._id, { kind: 'live', record: fromDocument(kind, doc) });
    }
    const rest = ids.filter((id) => !out.has(id));
    if (kind.deletions && rest.length > 0) {
      for (const tombstone of await this.tombstones(kind)
        .find({ _id: { $in: rest } })
        .toArray()) {
        out.set(tombstone._id, { kind: 'deleted', deletedAt: Number(tombstone.deleted_at) });
      }
    }
    for (const id of ids) if (!out.has(id)) out.set(id, { kind: 'absent' });
    return out;
  }

  ownChannels(): OwnChannel[] {
    return [...this.kindMethods()]
      .filter(({ kind }) => kind.mongo.derived)
      .map(({ kind }) => ({
        name: `mongo.${kind.mongo.collection}`,
        kind: kind.name,
        entity: kind.name,
        rows: false,
      }));
  }

  async verifyScan(sink: VerifySink, channels: ReadonlySet<string>): Promise<void> {
    await Promise.all(
      [...this.kindMethods()].map(async ({ kind }) => {
        const own = `mongo.${kind.mongo.collection}`;
        const derived = kind.mongo.derived && channels.has(own) ? kind.mongo.derived : undefined;
        if (!channels.has(kind.name) && !derived) return;
        for await (const doc of this.collection(kind).find({}).batchSize(1000)) {
          const record = fromDocument(kind, doc);
          const seen = { table: kind.mongo.collection, key: [doc._id], writetime: null };
          sink.add(kind.name, 'mongo', doc._id, recordHash(kind, record), seen);
          if (!derived) continue;
          // the fields stored beside the record must be what the record gives
          const expected = derived(record);
          const fields = Object.keys(expected);
          sink.add(own, 'expected', doc._id, hashOf(fields.map((f) => plain(expected[f]))));
          sink.add(own, 'actual', doc._id, hashOf(fields.map((f) => plain(doc[f]))), seen);
        }
      }),
    );
  }

  repair<R extends KindRecord>(
    kind: RecordKind<R>,
    id: string,
    state: RecordState<R>,
    _seen: SeenEntry[],
  ): Promise<void> {
    // one document per record: the record's own state says everything
    return this.methodsOf(kind).repair(id, state);
  }

  repairOwn(channel: string): Promise<void> {
    return Promise.reject(new Error(`mongo has no channel ${channel} of its own`));
  }
}
