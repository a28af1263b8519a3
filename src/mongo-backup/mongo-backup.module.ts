import { Module } from '@nestjs/common';
import {
  MongoBackupCommand,
  MongoCleanupCommand,
  MongoCommand,
  MongoRestoreCommand,
} from './commands/mongo.command';
import { MongoBackupService } from './mongo-backup.service';
import { MongoBlogData } from './mongo-blog-data';
import { MongoCleanupService } from './mongo-cleanup.service';
import { MongoRestoreService } from './mongo-restore.service';

/**
 * `mongo backup|cleanup|restore` (phase 3). Needs DatabaseModule with MongoDB connected, the
 * global PhaseControl, and (for restore) SchemaService with the Mongo migration runner.
 */
@Module({
  providers: [
    MongoBlogData,
    MongoBackupService,
    MongoCleanupService,
    MongoRestoreService,
    MongoCommand,
    MongoBackupCommand,
    MongoCleanupCommand,
    MongoRestoreCommand,
  ],
})
export class MongoBackupModule {}
