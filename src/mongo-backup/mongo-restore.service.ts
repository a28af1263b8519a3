import { Injectable } from '@nestjs/common';
import { mongo } from 'mongoose';
import { SchemaService } from '../schema/schema.service';
import {
  BackedUpCollection,
  BackupHeader,
  BackupManifest,
  totalsDifferences,
} from './backup-format';
import { readBackup } from './backup-reader';
import { MongoBlogData } from './mongo-blog-data';
import { RefusedError } from './refused-error';

export interface RestoreResult {
  path: string;
  database: string;
  /** the backup's header: where and when it was taken */
  source: BackupHeader;
  manifest: BackupManifest;
  /** Mongo schema migrations applied before the documents went in */
  migrationsApplied: number;
  seconds: number;
}

const BATCH_DOCUMENTS = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;

/** Collects documents of one collection at a time and inserts them in batches. */
class InsertBatches {
  private collection?: BackedUpCollection;
  private docs: mongo.Document[] = [];
  private bytes = 0;
  inserted = 0;

  constructor(private readonly data: MongoBlogData) {}

  async add(collection: BackedUpCollection, doc: mongo.Document, bytes: number): Promise<void> {
    if (collection !== this.collection) await this.flush();
    this.collection = collection;
    this.docs.push(doc);
    this.bytes += bytes;
    if (this.docs.length >= BATCH_DOCUMENTS || this.bytes >= BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.collection && this.docs.length > 0) {
      await this.data.insert(this.collection, this.docs);
      this.inserted += this.docs.length;
    }
    this.docs = [];
    this.bytes = 0;
  }
}

/**
 * `mongo restore`: the rollback from phase 3. Puts a verified backup back into an empty MongoDB:
 * schema first (the Mongo migrations), then the documents with their exact BSON types, then
 * proves MongoDB now holds exactly what the backup does.
 */
@Injectable()
export class MongoRestoreService {
  constructor(
    private readonly data: MongoBlogData,
    private readonly schema: SchemaService,
  ) {}

  async restore(path: string): Promise<RestoreResult> {
    await this.data.open();
    const started = Date.now();
    const database = this.data.databaseName;
    const occupied = await this.data.firstNonEmpty();
    if (occupied) {
      throw new RefusedError(
        `MongoDB database ${database} already holds blog data (${occupied} is not empty); restore only fills an empty database, nothing was changed`,
      );
    }
    // the whole file is proven before the first write
    const { header, manifest } = await readBackup(path);
    const [result] = await this.schema.migrate({ stores: ['mongo'] });
    const batches = new InsertBatches(this.data);
    try {
      await readBackup(path, (collection, ejson, bytes) =>
        batches.add(collection, mongo.BSON.EJSON.deserialize(ejson, { relaxed: false }), bytes),
      );
      await batches.flush();
    } catch (error) {
      const message = (error as { message?: string } | null)?.message ?? String(error);
      throw new Error(
        `restore stopped after ${batches.inserted} documents, MongoDB holds part of the backup (drop its blog collections before trying again): ${message}`,
      );
    }
    const differences = totalsDifferences(
      { name: 'MongoDB', totals: await this.data.totals() },
      { name: 'the backup', totals: manifest },
    );
    if (differences.length > 0) {
      throw new Error(
        `restored MongoDB differs from backup ${path}: ${differences.join(', ')} (was something writing to it?)`,
      );
    }
    return {
      path,
      database,
      source: header,
      manifest,
      migrationsApplied: result?.migrations.length ?? 0,
      seconds: (Date.now() - started) / 1000,
    };
  }
}
