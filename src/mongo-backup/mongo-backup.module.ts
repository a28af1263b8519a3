import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ControlModule } from '../control/control.module';
import { SchemaModule } from '../schema/schema.module';
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

/** `mongo backup|cleanup|restore` (phase 3). */
@Module({
  imports: [AuditModule, ControlModule, SchemaModule],
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
