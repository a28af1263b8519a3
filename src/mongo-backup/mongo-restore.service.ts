import { Injectable } from '@nestjs/common';
import { mongo } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { SchemaService } from '../schema/schema.service';
import {
  BackedUpCollection,
  BackupHeader,
  BackupManifest,
  totalsDifferences,
} from './backup-format';
import { requireTrusted } from './backup-trust';
import { MongoBlogData } from './mongo-blog-data';
import { PrivateBackupCopy } from './private-backup-copy';
import { RefusedError } from './refused-error';

export interface RestoreOptions {
  /** accept a file not signed with BACKUP_KEY (with a warning) */
  allowUnsigned?: boolean;
  /** the target database, when it is not the one the backup was taken of */
  into?: string;
}

export interface RestoreResult {
  path: string;
  database: string;
  /** the backup's header: where and when it was taken */
  source: BackupHeader;
  manifest: BackupManifest;
  /** Mongo schema migrations applied before the documents went in */
  migrationsApplied: number;
  seconds: number;
  /** what the operator should know (an untrusted file accepted) */
  warnings: string[];
  /** the key id of BACKUP_KEY, when it proved the file authentic */
  verifiedKeyId?: string;
}

const UNCHANGED = 'nothing was changed';

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
 * proves MongoDB now holds exactly what the backup does, then derives what a backup never holds
 * (the posts' listing partitions, and derived fields added after it was taken). Nothing is
 * written before the file is proven whole, authentic (signed with BACKUP_KEY), of the declared
 * shapes and meant for this database; the documents then come from a private copy of exactly
 * the bytes that were proven.
 */
@Injectable()
export class MongoRestoreService {
  constructor(
    private readonly data: MongoBlogData,
    private readonly schema: SchemaService,
    private readonly config: AppConfig,
  ) {}

  async restore(path: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    await this.data.open();
    const started = Date.now();
    const database = this.data.databaseName;
    if (options.into !== undefined && options.into !== database) {
      throw new RefusedError(
        `--into ${options.into} is not the database MONGO_URL names (${database}); restore writes only there, ${UNCHANGED}`,
      );
    }
    const occupied = await this.data.firstNonEmpty();
    if (occupied) {
      throw new RefusedError(
        `MongoDB database ${database} already holds blog data (${occupied} is not empty); restore only fills an empty database, ${UNCHANGED}`,
      );
    }
    const copy = await PrivateBackupCopy.take(path, this.config.backupKey);
    try {
      const { header, manifest, signature } = copy.verified;
      const warning = requireTrusted(path, signature, options.allowUnsigned === true, UNCHANGED);
      if (header.database !== database && options.into === undefined) {
        throw new RefusedError(
          `backup file ${path} was taken of database ${header.database}, not ${database} (the database of MONGO_URL); add --into ${database} to restore it there (${UNCHANGED})`,
        );
      }
      const migrationsApplied = await this.insert(path, copy);
      return {
        path,
        database,
        source: header,
        manifest,
        migrationsApplied,
        seconds: (Date.now() - started) / 1000,
        warnings: warning ? [warning] : [],
        verifiedKeyId: signature.state === 'valid' ? signature.keyId : undefined,
      };
    } finally {
      await copy.close();
    }
  }

  /**
   * Schema, documents from the proven copy, then MongoDB compared with the manifest; returns how
   * many schema migrations were applied.
   */
  private async insert(path: string, copy: PrivateBackupCopy): Promise<number> {
    const { manifest } = copy.verified;
    const [result] = await this.schema.migrate({ stores: ['mongo'] });
    const batches = new InsertBatches(this.data);
    try {
      await copy.read((collection, ejson, bytes) =>
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
    // after the comparison: it checks the documents as the backup holds them
    await this.data.rederive();
    return result?.migrations.length ?? 0;
  }
}
