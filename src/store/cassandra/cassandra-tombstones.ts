import { types } from 'cassandra-driver';
import { mapConcurrent } from '../../common/map-concurrent';
import { CassandraClient } from '../../database/cassandra/cassandra-client';
import { long } from './cql';

const READ = { idempotent: true } as const;
const WRITE = { idempotent: true } as const;

/**
 * A kind's deletions table `(id, deleted_at)` (its DeletionsSpec): written at the deletion's own
 * timestamp, so the latest deletion of a record is the one kept whatever order copies arrive in.
 */
export class CassandraTombstones {
  constructor(
    private readonly client: CassandraClient,
    private readonly table: string,
  ) {}

  async record(id: string, deletedAt: number): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.client.table(this.table)} (id, deleted_at) VALUES (?, ?) USING TIMESTAMP ?`,
      [id, long(deletedAt), long(deletedAt)],
      WRITE,
    );
  }

  /** When the record was deleted in this store, if it was. */
  async deletedAt(id: string): Promise<number | undefined> {
    const result = await this.client.execute(
      `SELECT deleted_at FROM ${this.client.table(this.table)} WHERE id = ?`,
      [id],
      READ,
    );
    const value = result.first()?.get('deleted_at') as types.Long | null | undefined;
    return value === undefined || value === null ? undefined : Number(value);
  }

  /** The recorded deletions among many records, 100 ids per query. */
  async among(ids: string[]): Promise<Map<string, number>> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    const out = new Map<string, number>();
    await mapConcurrent(chunks, 4, async (chunk) => {
      const result = await this.client.execute(
        `SELECT id, deleted_at FROM ${this.client.table(this.table)} WHERE id IN ?`,
        [chunk],
        { ...READ, fetchSize: 1000 },
      );
      for (const row of result.rows) {
        const at = row.get('deleted_at') as types.Long | null;
        if (at !== null) out.set(row.get('id') as string, Number(at));
      }
    });
    return out;
  }
}
