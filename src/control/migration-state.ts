import { Injectable } from '@nestjs/common';
import { CassandraClient } from '../database/cassandra/cassandra-client';

/**
 * Small durable records of the migration's jobs (backfill checkpoints, the last reconcile), as
 * JSON in Cassandra's `migration_state`: every phase that migrates has Cassandra, and every app
 * instance and CLI run sees the same record.
 */
@Injectable()
export class MigrationState {
  constructor(private readonly client: CassandraClient) {}

  async get<T>(name: string): Promise<T | undefined> {
    const result = await this.client.execute(
      `SELECT body FROM ${this.client.table('migration_state')} WHERE name = ?`,
      [name],
      { idempotent: true },
    );
    const body = result.first()?.get('body') as string | null | undefined;
    return body ? (JSON.parse(body) as T) : undefined;
  }

  async put<T>(name: string, body: T): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.client.table('migration_state')} (name, body, updated_at) VALUES (?, ?, ?)`,
      [name, JSON.stringify(body), new Date()],
      { idempotent: true },
    );
  }

  async remove(name: string): Promise<void> {
    await this.client.execute(
      `DELETE FROM ${this.client.table('migration_state')} WHERE name = ?`,
      [name],
      { idempotent: true },
    );
  }
}
