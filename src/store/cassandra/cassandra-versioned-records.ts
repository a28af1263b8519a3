import { types } from 'cassandra-driver';
import { mapConcurrent } from '../../common/map-concurrent';
import { CassandraClient, CassandraStatement } from '../../database/cassandra/cassandra-client';
import { fromRow, RecordKind, tablesOf } from '../../kinds/record-kind';
import { Deletion, RecordWriter } from '../replica';
import { VersionedRecord } from '../mongo/mongo-versioned-records';
import { CassandraKindMethods } from './cassandra-kind-methods';
import { PostClaims } from './cassandra-post-claims';
import { deleteRow, insertRow, keyOf, long, selectColumns } from './cql';

const READ = { idempotent: true } as const;
// every statement names its own timestamp, so repeating one is harmless
const WRITE = { idempotent: true } as const;

/**
 * A small record kind in Cassandra (accounts, credentials): a base row and query-table rows whose
 * keys never change for a record, all written at the record's version (USING TIMESTAMP), so
 * copies converge in any order; a deletion is a tombstone row plus the rows' removal at the
 * deletion's time. Request changes are compare-and-sets on the record's head (PostClaims over the
 * kind's heads table). Shared by the request store and the replica.
 */
export class CassandraVersionedRecords<
  R extends VersionedRecord,
> implements CassandraKindMethods<R> {
  constructor(
    readonly kind: RecordKind<R>,
    protected readonly client: CassandraClient,
    private readonly claims: PostClaims,
  ) {}

  async get(id: string): Promise<R | null> {
    const base = this.kind.cassandra.base;
    const result = await this.client.execute(
      `SELECT ${selectColumns(base)} FROM ${this.client.table(base.name)} WHERE ${base.partitionKey} = ?`,
      [id],
      READ,
    );
    const row = result.first();
    return row ? fromRow(this.kind, row) : null;
  }

  /** Records by id, 100 ids per query, in the order given (missing ones left out). */
  async getMany(ids: readonly string[]): Promise<R[]> {
    const base = this.kind.cassandra.base;
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    const found = new Map<string, R>();
    await mapConcurrent(chunks, 4, async (chunk) => {
      const result = await this.client.execute(
        `SELECT ${selectColumns(base)} FROM ${this.client.table(base.name)} WHERE ${base.partitionKey} IN ?`,
        [chunk],
        READ,
      );
      for (const row of result.rows) {
        const record = fromRow(this.kind, row);
        if (record) found.set(record.id, record);
      }
    });
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** A request's new record (fresh id). */
  async create(record: R): Promise<void> {
    await this.write(record);
  }

  /** A request's change: only from exactly `previous` (false otherwise, nothing written). */
  async update(next: R, previous: R): Promise<boolean> {
    if (!(await this.claims.claim(next.id, previous.version, next.version))) return false;
    await this.write(next);
    return true;
  }

  /**
   * A request's deletion: only of exactly `previous` (the head moves to the deletion's time, so a
   * change racing it loses), recorded as a tombstone and applied like a replica deletion.
   */
  async remove(previous: R, deletedAt: number): Promise<boolean> {
    if (!(await this.claims.claim(previous.id, previous.version, deletedAt))) return false;
    await this.applyDelete(previous.id, deletedAt, previous);
    return true;
  }

  /** Writes the version; a deletion recorded at or after it removes it again. */
  async apply(record: R): Promise<void> {
    await this.write(record);
    const deletedAt = await this.deletedAt(record.id);
    if (deletedAt !== undefined && deletedAt >= record.version) {
      await this.removeRows(record, deletedAt);
    }
  }

  writer(): RecordWriter<R> {
    return (records, concurrency) =>
      mapConcurrent(records, concurrency, (record) => this.apply(record)).then(() => undefined);
  }

  async applyDelete(id: string, deletedAt: number, last?: R): Promise<void> {
    // recorded first: a replica write racing with this deletion checks it after writing
    await this.client.execute(
      `INSERT INTO ${this.client.table(this.deletionsTable())} (id, deleted_at) VALUES (?, ?) USING TIMESTAMP ?`,
      [id, long(deletedAt), long(deletedAt)],
      WRITE,
    );
    const stored = await this.get(id);
    if (stored && stored.version > deletedAt) return; // a newer version outlives the deletion
    const record = stored ?? last;
    if (record) await this.removeRows(record, deletedAt);
    else
      await this.run([deleteRow(this.client.keyspace, this.kind.cassandra.base, [id], deletedAt)]);
  }

  async applyDeletes(deletions: readonly Deletion[], concurrency: number): Promise<void> {
    await mapConcurrent(deletions, concurrency, ({ id, deletedAt }) =>
      this.applyDelete(id, deletedAt),
    );
  }

  /** Every row of the record at its version's timestamp. */
  protected async write(record: R): Promise<void> {
    const ks = this.client.keyspace;
    await this.run(
      tablesOf(this.kind).map((table) => insertRow(ks, table, table.row(record), record.version)),
    );
  }

  /** When the record was deleted in this store, if it was. */
  private async deletedAt(id: string): Promise<number | undefined> {
    if (!this.kind.deletions) return undefined;
    const result = await this.client.execute(
      `SELECT deleted_at FROM ${this.client.table(this.kind.deletions.cassandra)} WHERE id = ?`,
      [id],
      READ,
    );
    const value = result.first()?.get('deleted_at') as types.Long | null | undefined;
    return value === undefined || value === null ? undefined : Number(value);
  }

  private async removeRows(record: R, deletedAt: number): Promise<void> {
    const ks = this.client.keyspace;
    await this.run(
      tablesOf(this.kind).map((table) =>
        deleteRow(ks, table, keyOf(table, table.row(record)), deletedAt),
      ),
    );
  }

  private deletionsTable(): string {
    if (!this.kind.deletions) throw new Error(`record kind ${this.kind.name} keeps no deletions`);
    return this.kind.deletions.cassandra;
  }

  protected async run(statements: CassandraStatement[]): Promise<void> {
    // one record's rows: a logged batch, so they are written together
    if (statements.length === 1) {
      await this.client.execute(statements[0].query, statements[0].params, WRITE);
    } else {
      await this.client.batch(statements, WRITE);
    }
  }
}
