import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { StoreConnections } from '../database/store-connections';
import { RederiveResult, rederivePosts } from '../store/mongo/mongo-listing-partitions';
import {
  BACKED_UP_COLLECTIONS,
  BLOG_COLLECTIONS,
  BackedUpCollection,
  CollectionTotals,
  Tally,
} from './backup-format';

// MongoDB (and FerretDB) answer "ns not found" with this code when the collection is gone.
const NAMESPACE_NOT_FOUND = 26;

/**
 * Reading documents with their exact BSON types (a double stays a double even when it holds a
 * whole number, an int32 an int32), so canonical Extended JSON and a restore keep them.
 */
const EXACT_TYPES = {
  promoteValues: false,
  promoteBuffers: false,
  bsonRegExp: true,
} as const;
const BATCH = 1000;
const CONNECT_ATTEMPTS = 3;

/** The blog's collections as the backup sees them: whole-collection scans, drops, inserts. */
@Injectable()
export class MongoBlogData {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly connections: StoreConnections,
  ) {}

  /** Connects MongoDB (a few tries): the CLI connects what a command works on when it starts. */
  async open(): Promise<void> {
    await this.connections.ensure('mongo', CONNECT_ATTEMPTS);
  }

  private get db(): mongo.Db {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    return db;
  }

  get databaseName(): string {
    return this.db.databaseName;
  }

  /** Every document of the collection, a cursor batch at a time, in no particular order. */
  documents(collection: BackedUpCollection): AsyncIterable<mongo.Document> {
    return this.db.collection(collection).find({}, { ...EXACT_TYPES, batchSize: BATCH });
  }

  /** Counts and content hashes of what MongoDB holds now (a streaming scan of each collection). */
  async totals(): Promise<CollectionTotals> {
    const tally = new Tally();
    for (const collection of BACKED_UP_COLLECTIONS) {
      for await (const doc of this.documents(collection)) {
        tally.add(collection, mongo.BSON.EJSON.serialize(doc, { relaxed: false }));
      }
    }
    return tally.totals();
  }

  /** The blog collections that exist, in BLOG_COLLECTIONS order. */
  async existing(): Promise<string[]> {
    const found = new Set(
      (await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
    );
    return BLOG_COLLECTIONS.filter((name) => found.has(name));
  }

  /** The first backed-up collection holding at least one document. */
  async firstNonEmpty(): Promise<BackedUpCollection | undefined> {
    for (const collection of BACKED_UP_COLLECTIONS) {
      const one = await this.db
        .collection(collection)
        .find({}, { projection: { _id: 1 } })
        .limit(1)
        .toArray();
      if (one.length > 0) return collection;
    }
    return undefined;
  }

  /** Drops every blog collection that exists; returns the names dropped. */
  async dropAll(): Promise<string[]> {
    const dropped: string[] = [];
    for (const name of await this.existing()) {
      try {
        await this.db.dropCollection(name);
        dropped.push(name);
      } catch (error) {
        if ((error as { code?: number }).code !== NAMESPACE_NOT_FOUND) throw error;
      }
    }
    return dropped;
  }

  /**
   * The posts' derived fields a backup taken before a release added them lacks, and the listing
   * partitions (never in a backup): what a restore computes once the documents are in.
   */
  rederive(): Promise<RederiveResult> {
    return rederivePosts(this.db);
  }

  async insert(collection: BackedUpCollection, docs: mongo.Document[]): Promise<void> {
    await this.db.collection(collection).insertMany(docs, { ordered: false });
  }
}
