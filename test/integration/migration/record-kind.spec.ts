import { getConnectionToken } from '@nestjs/mongoose';
import { Collection, Connection } from 'mongoose';
import { mapConcurrent } from '../../../src/common/map-concurrent';
import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';
import { BLOG_KINDS } from '../../../src/kinds/blog-kinds';
import {
  baseTable,
  FieldsOf,
  fromRow,
  RecordKind,
  toDocument,
} from '../../../src/kinds/record-kind';
import { RecordKinds } from '../../../src/kinds/record-kinds';
import { BackfillService } from '../../../src/migration/backfill/backfill.service';
import { from } from '../../../src/migration/directions';
import { ReconcileService } from '../../../src/migration/reconcile/reconcile.service';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { CassandraCommentRecords } from '../../../src/store/cassandra/cassandra-comment-records';
import { CassandraKindMethods } from '../../../src/store/cassandra/cassandra-kind-methods';
import { CassandraPostRecords } from '../../../src/store/cassandra/cassandra-post-records';
import { CassandraReplica } from '../../../src/store/cassandra/cassandra-replica';
import { insertRow, selectColumns } from '../../../src/store/cassandra/cql';
import { isDuplicateKey } from '../../../src/store/mongo/mongo-documents';
import { MongoCommentRecords } from '../../../src/store/mongo/mongo-comment-records';
import { MongoKindMethods } from '../../../src/store/mongo/mongo-kind-methods';
import { MongoPostRecords } from '../../../src/store/mongo/mongo-post-records';
import { MongoReplica } from '../../../src/store/mongo/mongo-replica';
import { RecordState } from '../../../src/store/replica';
import { Replicas } from '../../../src/store/replicas';
import { AccountRecordSet } from '../../../src/store/store.module';
import { newId, nowMicros } from '../../../src/store/versions';
import { insertDataset, makeDataset } from '../helpers/migration';
import { StoreModule, storeModule } from '../helpers/store-module';

// A third record kind, declared here in test code only: the engine (src/migration) and the
// stores' generic parts (MongoReplica, CassandraReplica) pick it up from its declaration and its
// store methods below, with no change to them.

interface Tag {
  id: string;
  name: string;
  version: number;
}

const TAG_FIELDS: FieldsOf<Tag> = {
  id: { type: 'text', mongo: '_id', cassandra: 'id' },
  name: { type: 'text', mongo: 'name', cassandra: 'name' },
  version: { type: 'integer', mongo: 'version', cassandra: 'version' },
};

const TAGS_BY_ID = baseTable<Tag>('tags_by_id', TAG_FIELDS);

const TAG_KIND: RecordKind<Tag> = {
  name: 'tag',
  plural: 'tags',
  fields: TAG_FIELDS,
  writtenAt: (tag) => tag.version,
  mongo: { collection: 'tags' },
  cassandra: { base: TAGS_BY_ID, derived: [] },
};

type TagDocument = { _id: string; name: string; version: number };

/** The tag kind's store methods in MongoDB: one document per tag, the newest version wins. */
class MongoTags implements MongoKindMethods<Tag> {
  readonly kind = TAG_KIND;
  constructor(private readonly connection: Connection) {}

  private get tags(): Collection<TagDocument> {
    return this.connection.collection<TagDocument>(TAG_KIND.mongo.collection);
  }

  async apply(tag: Tag): Promise<void> {
    try {
      await this.tags.updateOne(
        { _id: tag.id, version: { $lt: tag.version } },
        { $set: toDocument(TAG_KIND, tag) },
        { upsert: true },
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // a newer version is stored
    }
  }

  writer() {
    return async (tags: readonly Tag[], concurrency: number) => {
      await mapConcurrent(tags, concurrency, (tag) => this.apply(tag));
    };
  }

  async repair(id: string, state: RecordState<Tag>): Promise<void> {
    if (state.kind === 'live') {
      await this.tags.replaceOne({ _id: id }, toDocument(TAG_KIND, state.record) as TagDocument, {
        upsert: true,
      });
    } else {
      await this.tags.deleteOne({ _id: id });
    }
  }
}

/** The tag kind's store methods in Cassandra: its row at the version's timestamp. */
class CassandraTags implements CassandraKindMethods<Tag> {
  readonly kind = TAG_KIND;
  constructor(private readonly client: CassandraClient) {}

  async apply(tag: Tag): Promise<void> {
    const write = insertRow(this.client.keyspace, TAGS_BY_ID, TAGS_BY_ID.row(tag), tag.version);
    await this.client.execute(write.query, write.params, { idempotent: true });
  }

  writer() {
    return async (tags: readonly Tag[], concurrency: number) => {
      await mapConcurrent(tags, concurrency, (tag) => this.apply(tag));
    };
  }
}

/** The stores' replicas with the blog's kinds and the tag kind. */
const withTags = {
  inject: [
    getConnectionToken(),
    CassandraClient,
    MongoPostRecords,
    MongoCommentRecords,
    CassandraPostRecords,
    CassandraCommentRecords,
    AccountRecordSet,
  ],
  factory: (
    connection: Connection,
    client: CassandraClient,
    mongoPosts: MongoPostRecords,
    mongoComments: MongoCommentRecords,
    cassandraPosts: CassandraPostRecords,
    cassandraComments: CassandraCommentRecords,
    accounts: AccountRecordSet,
  ) =>
    new Replicas(new RecordKinds([...BLOG_KINDS, TAG_KIND as unknown as RecordKind]), {
      mongo: new MongoReplica(connection, [
        mongoPosts,
        mongoComments,
        accounts.mongo.accounts,
        accounts.mongo.credentials,
        new MongoTags(connection),
      ]),
      cassandra: new CassandraReplica(client, [
        cassandraPosts,
        cassandraComments,
        accounts.cassandra.accounts,
        accounts.cassandra.credentials,
        new CassandraTags(client),
      ]),
    }),
};

describe('a record kind declared in test code only: backfill, verify and reconcile pick it up (real servers)', () => {
  let m: StoreModule;
  let client: CassandraClient;
  const tags: Tag[] = Array.from({ length: 30 }, (_, i) => ({
    id: newId(),
    name: `tag ${i}`,
    version: nowMicros(),
  }));

  beforeAll(async () => {
    m = await storeModule('record_kind', 'dual-write', {}, (builder) =>
      builder.overrideProvider(Replicas).useFactory(withTags),
    );
    client = m.module.get(CassandraClient);
    // the kind's schema: one Cassandra table, one Mongo collection (created by its first insert)
    await client.executeDdl(
      `CREATE TABLE IF NOT EXISTS ${client.table(TAGS_BY_ID.name)} (id text PRIMARY KEY, name text, version bigint)`,
    );
  });
  afterAll(() => m?.close());

  async function cassandraTag(id: string): Promise<Tag | null> {
    const result = await client.execute(
      `SELECT ${selectColumns(TAGS_BY_ID)} FROM ${client.table(TAGS_BY_ID.name)} WHERE id = ?`,
      [id],
      { idempotent: true },
    );
    const row = result.first();
    return row ? fromRow(TAG_KIND, row) : null;
  }

  it('copies the tags with the posts and comments, verifies them, finds a tampered one and repairs it', async () => {
    // MongoDB holds blog data and tags from before dual-write began
    const connection = m.module.get<Connection>(getConnectionToken());
    await insertDataset(connection.db!, makeDataset(20, 40));
    await connection
      .collection<TagDocument>('tags')
      .insertMany(tags.map((tag) => toDocument(TAG_KIND, tag) as TagDocument));

    const replicas = m.module.get(Replicas);
    const { source, target } = from(replicas, 'mongo');
    const summary = await m.module.get(BackfillService).run(source, target, {
      concurrency: 8,
      restart: false,
      dryRun: false,
    });
    // the blog's other kinds (accounts, credentials) have none here
    const records = { posts: 20, comments: 40, accounts: 0, credentials: 0, tags: 30 };
    expect(summary.records).toEqual(records);
    for (const tag of tags) expect(await cassandraTag(tag.id)).toEqual(tag);

    const verifier = m.module.get(VerifyService);
    const clean = await verifier.verify(source, target, { recheckDelayMs: 100 });
    expect(clean.report.clean).toBe(true);
    expect(clean.report.records).toEqual({
      mongo: records,
      cassandra: records,
    });

    // behind the app's back: one tag renamed in Cassandra ("now", newer than its version)
    const tampered = tags[7];
    await client.execute(
      `UPDATE ${client.table(TAGS_BY_ID.name)} SET name = 'renamed by hand' WHERE id = ?`,
      [tampered.id],
      { idempotent: true },
    );
    const found = await verifier.verify(source, target, { recheckDelayMs: 100 });
    expect(found.report.differences).toEqual([
      { entity: 'tag', id: tampered.id, kind: 'different', where: 'cassandra' },
    ]);

    const reconcile = await m.module
      .get(ReconcileService)
      .run('dual-write', { dryRun: false, recheckDelayMs: 100 });
    expect(reconcile).toMatchObject({ found: 1, fixed: 1, remaining: [] });
    expect(await cassandraTag(tampered.id)).toEqual(tampered);
    expect((await verifier.verify(source, target, { recheckDelayMs: 100 })).report.clean).toBe(
      true,
    );
  });
});
