import { Injectable } from '@nestjs/common';
import { types } from 'cassandra-driver';
import { AppConfig } from '../config/app-config';
import { CassandraClient } from '../database/cassandra/cassandra-client';
import { renderCqlMigration } from './cql-script';
import { MigrationFile } from './migration-file';
import { AppliedMigration, MigrationRunner } from './migration-runner';

// system_schema is local to each node, so ONE is both enough and always available.
const SCHEMA_READ = { idempotent: true, consistency: types.consistencies.one };

/**
 * Applies migrations/cassandra/*.cql. Cassandra DDL is not transactional, so every statement is
 * written to be rerun safely (IF NOT EXISTS) and a migration is recorded only after all of its
 * statements succeeded.
 */
@Injectable()
export class CassandraMigrationRunner extends MigrationRunner {
  readonly store = 'cassandra' as const;
  private recordsTableReady = false;

  constructor(
    private readonly client: CassandraClient,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async applied(): Promise<AppliedMigration[]> {
    if (!(await this.recordsTableExists())) return [];
    const result = await this.client.execute(
      `SELECT version, name, checksum, applied_at FROM ${this.client.table('schema_migrations')}`,
      [],
      { idempotent: true },
    );
    return result.rows
      .map((row) => ({
        version: row.get('version') as string,
        name: row.get('name') as string,
        checksum: row.get('checksum') as string,
        appliedAt: row.get('applied_at') as Date,
      }))
      .sort((a, b) => a.version.localeCompare(b.version));
  }

  async apply(migration: MigrationFile): Promise<void> {
    for (const statement of this.describe(migration)) {
      await this.client.executeDdl(statement);
    }
    await this.ensureRecordsTable(migration);
    await this.client.execute(
      `INSERT INTO ${this.client.table('schema_migrations')} (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`,
      [migration.version, migration.name, migration.checksum, new Date()],
      { idempotent: true },
    );
  }

  describe(migration: MigrationFile): string[] {
    return renderCqlMigration(migration.content, {
      keyspace: this.config.cassandraKeyspace,
      replication: this.config.replicationCql,
    });
  }

  private async recordsTableExists(): Promise<boolean> {
    const result = await this.client.execute(
      'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
      [this.client.keyspace, 'schema_migrations'],
      SCHEMA_READ,
    );
    return result.rowLength > 0;
  }

  // The records table lives in the app keyspace, which the first migration creates.
  private async ensureRecordsTable(migration: MigrationFile): Promise<void> {
    if (this.recordsTableReady) return;
    const keyspace = await this.client.execute(
      'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [this.client.keyspace],
      SCHEMA_READ,
    );
    if (keyspace.rowLength === 0) {
      throw new Error(
        `keyspace ${this.client.keyspace} still does not exist after ${migration.fileName}; the first Cassandra migration must create it`,
      );
    }
    await this.client.executeDdl(
      `CREATE TABLE IF NOT EXISTS ${this.client.table('schema_migrations')} (version text PRIMARY KEY, name text, checksum text, applied_at timestamp)`,
    );
    this.recordsTableReady = true;
  }
}
