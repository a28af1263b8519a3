import { Injectable, Logger } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { MigrationFile } from './migration-file';
import { AppliedMigration, MigrationRunner } from './migration-runner';
import {
  MongoOperation,
  REDERIVERS,
  describeMongoOperation,
  parseMongoMigration,
} from './mongo-operations';

/** Where MongoDB records the migrations applied to it. */
export const MIGRATION_RECORDS = 'schema_migrations';
const RECORDS = MIGRATION_RECORDS;
// MongoDB (and FerretDB) answer "already exists" with this code on a concurrent create.
const NAMESPACE_EXISTS = 48;

interface MigrationRecord {
  _id: string;
  name: string;
  checksum: string;
  applied_at: Date;
}

/** Applies migrations/mongo/*.json through the app's Mongoose connection. */
@Injectable()
export class MongoMigrationRunner extends MigrationRunner {
  readonly store = 'mongo' as const;
  private readonly logger = new Logger(MongoMigrationRunner.name);

  constructor(@InjectConnection() private readonly connection: Connection) {
    super();
  }

  private get db(): mongo.Db {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    return db;
  }

  async applied(): Promise<AppliedMigration[]> {
    const records = await this.db
      .collection<MigrationRecord>(RECORDS)
      .find({})
      .sort({ _id: 1 })
      .toArray();
    return records.map((record) => ({
      version: record._id,
      name: record.name,
      checksum: record.checksum,
      appliedAt: record.applied_at,
    }));
  }

  async apply(migration: MigrationFile): Promise<void> {
    const { operations } = parseMongoMigration(migration.content, migration.fileName);
    for (const operation of operations) {
      await this.run(operation);
    }
    await this.db
      .collection<MigrationRecord>(RECORDS)
      .updateOne(
        { _id: migration.version },
        { $set: { name: migration.name, checksum: migration.checksum, applied_at: new Date() } },
        { upsert: true },
      );
  }

  describe(migration: MigrationFile): string[] {
    return parseMongoMigration(migration.content, migration.fileName).operations.map(
      describeMongoOperation,
    );
  }

  private async run(operation: MongoOperation): Promise<void> {
    if ('createCollection' in operation) {
      const name = operation.createCollection;
      const existing = await this.db.listCollections({ name }, { nameOnly: true }).toArray();
      if (existing.length > 0) return;
      try {
        await this.db.createCollection(name);
      } catch (error) {
        if ((error as { code?: number }).code !== NAMESPACE_EXISTS) throw error;
      }
    } else if ('createIndex' in operation) {
      const { collection, key, name, unique } = operation.createIndex;
      // Creating an identical index is a no-op; a different one under the same name fails loudly.
      await this.db.collection(collection).createIndex(key, { name, ...(unique && { unique }) });
    } else if ('rederive' in operation) {
      // reads every document of the collection once: minutes for a large one on FerretDB
      const { scanned, rewritten } = await REDERIVERS[operation.rederive](this.db);
      this.logger.log(`rederive ${operation.rederive}: ${rewritten} of ${scanned} rewritten`);
    } else {
      const { collection, name } = operation.dropIndex;
      const indexes = await this.db.collection(collection).indexes();
      if (indexes.some((index) => index.name === name)) {
        await this.db.collection(collection).dropIndex(name);
      }
    }
  }
}
