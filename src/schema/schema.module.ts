import { Module } from '@nestjs/common';
import { CassandraMigrationRunner } from './cassandra-migration.runner';
import { MongoMigrationRunner } from './mongo-migration.runner';
import { SchemaStartupCheck } from './schema-startup.check';
import { SchemaService } from './schema.service';

/**
 * Schema migrations of both stores: status and migrate (the `schema` commands, `phase set`), and
 * the check the app runs before it serves a phase's stores. A runner connects its store only
 * when a command or check asks for it.
 */
@Module({
  providers: [SchemaService, SchemaStartupCheck, MongoMigrationRunner, CassandraMigrationRunner],
  exports: [SchemaService, SchemaStartupCheck],
})
export class SchemaModule {}
