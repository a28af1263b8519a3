import { Module } from '@nestjs/common';

/** `mongo backup|cleanup|restore` (phase 3). Needs DatabaseModule with MongoDB connected. */
@Module({})
export class MongoBackupModule {}
