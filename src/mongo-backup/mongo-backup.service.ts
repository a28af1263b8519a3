import { Injectable } from '@nestjs/common';
import { access } from 'node:fs/promises';
import { AppConfig } from '../config/app-config';
import { MigrationPhase, storesUsedBy } from '../config/migration-phase';
import { PhaseControl } from '../control/phase-control';
import { BACKED_UP_COLLECTIONS, BackupFileError, BackupManifest } from './backup-format';
import { writeBackupFile } from './backup-writer';
import { MongoBlogData } from './mongo-blog-data';
import { RefusedError } from './refused-error';

export interface BackupResult {
  path: string;
  database: string;
  manifest: BackupManifest;
  /** size of the gzip'd file */
  bytes: number;
  seconds: number;
  /** the phase during the backup; one that writes to MongoDB makes it no snapshot */
  phase: MigrationPhase;
  /** the id of BACKUP_KEY, which signed it; undefined: unsigned */
  keyId?: string;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * `mongo backup`: every document of the blog's collections into one verifiable file, signed with
 * BACKUP_KEY. Without a key it writes an unsigned file outside production (cleanup and restore
 * then want --allow-unsigned) and refuses in production unless told `allowUnsigned`.
 */
@Injectable()
export class MongoBackupService {
  constructor(
    private readonly data: MongoBlogData,
    private readonly phases: PhaseControl,
    private readonly config: AppConfig,
  ) {}

  async backup(path: string, allowUnsigned = false): Promise<BackupResult> {
    const key = this.config.backupKey;
    if (!key && this.config.nodeEnv === 'production' && !allowUnsigned) {
      throw new RefusedError(
        'BACKUP_KEY is not set: in production a backup must be signed (set BACKUP_KEY to a random string of at least 32 characters, or add --allow-unsigned); nothing was written',
      );
    }
    await this.data.open();
    if (await exists(path)) {
      throw new BackupFileError(`${path} already exists; a backup never replaces a file`);
    }
    const database = this.data.databaseName;
    const existing = await this.data.existing();
    if (!BACKED_UP_COLLECTIONS.some((c) => existing.includes(c))) {
      throw new RefusedError(
        `MongoDB database ${database} has no blog collections: nothing to back up (wrong MONGO_URL, or cleaned up already?)`,
      );
    }
    const { phase } = await this.phases.read();
    const started = Date.now();
    const written = await writeBackupFile(path, database, (c) => this.data.documents(c), { key });
    return { ...written, database, phase, seconds: (Date.now() - started) / 1000 };
  }

  /** Phases whose writes still reach MongoDB: a backup taken then may miss the latest ones. */
  static mongoStillWritten(phase: MigrationPhase): boolean {
    return storesUsedBy(phase).mongo;
  }
}
