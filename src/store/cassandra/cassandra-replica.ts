import { types } from 'cassandra-driver';
import { hashHex, hashOf } from '../../common/hash';
import { mapConcurrent } from '../../common/map-concurrent';
import { CassandraClient, CassandraStatement } from '../../database/cassandra/cassandra-client';
import { KindMethodsReplica } from '../kind-methods';
import {
  CassandraTable,
  fromRow,
  KindRecord,
  RecordKind,
  recordHash,
  tableRowHash,
  tablesOf,
} from '../../kinds/record-kind';
import {
  Deletion,
  OwnChannel,
  RecordState,
  ScanPage,
  SeenEntry,
  SeenRow,
  VerifySink,
} from '../replica';
import { nowMicros } from '../versions';
import { CassandraKindMethods } from './cassandra-kind-methods';
import { countRows, MIN_TOKEN, scanTable } from './cassandra-scan';
import {
  deleteRow,
  insertRow,
  keyOf,
  keyText,
  LISTING_PARTITIONS,
  partitionWrite,
  rowWritetime,
  selectColumns,
} from './cql';

const READ = { idempotent: true } as const;
const WRITE = { idempotent: true } as const;

/** The channel that checks every listing partition holding rows is registered. */
const PARTITIONS_CHANNEL = `cassandra.${LISTING_PARTITIONS}`;

type AnyTable = CassandraTable<KindRecord>;

/** A row a record must have: where, with which hash, and how to write it at a given time. */
interface RequiredRow {
  table: AnyTable;
  key: unknown[];
  hash: string;
  /** the write time it normally has (the record's) */
  timestamp: number;
  write(timestamp: number): CassandraStatement[];
}

/**
 * Cassandra as the migration sees it, for every kind it has store methods for. Resumable scans
 * follow the token order of a kind's base table (positions are tokens); verify reads every table
 * of every kind by token range and checks that each record has exactly the rows its base row says
 * it must have, and that every listing partition holding rows is registered.
 */
export class CassandraReplica extends KindMethodsReplica<CassandraKindMethods<KindRecord>> {
  readonly name = 'cassandra' as const;

  constructor(
    private readonly client: CassandraClient,
    methods: readonly CassandraKindMethods<never>[],
  ) {
    super(methods);
  }

  private deletionsTable(kind: RecordKind): string {
    if (!kind.deletions) throw new Error(`record kind ${kind.name} keeps no deletions`);
    return kind.deletions.cassandra;
  }

  scan<R extends KindRecord>(
    kind: RecordKind<R>,
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<R>> {
    const base = kind.cassandra.base;
    // a row left of a record's other cells (no version) is not a record
    return this.scanByToken(
      base.name,
      base.partitionKey,
      selectColumns(base),
      after,
      pageSize,
      (row) => fromRow(kind, row) ?? undefined,
    );
  }

  scanDeletions(
    kind: RecordKind,
    after: string | undefined,
    pageSize: number,
  ): AsyncIterable<ScanPage<Deletion>> {
    return this.scanByToken(
      this.deletionsTable(kind),
      'id',
      'id, deleted_at',
      after,
      pageSize,
      (row) => ({
        id: row.get('id') as string,
        deletedAt: Number(row.get('deleted_at')),
      }),
    );
  }

  estimate(kind: RecordKind): Promise<number> {
    return this.countAfter(kind);
  }

  countAfter(kind: RecordKind, after?: string): Promise<number> {
    const base = kind.cassandra.base;
    const from = after === undefined ? MIN_TOKEN : BigInt(after);
    return countRows(this.client, base.name, base.partitionKey, from);
  }

  async state<R extends KindRecord>(kind: RecordKind<R>, id: string): Promise<RecordState<R>> {
    const base = kind.cassandra.base;
    const result = await this.client.execute(
      `SELECT ${selectColumns(base)} FROM ${this.client.table(base.name)} WHERE ${base.partitionKey} = ?`,
      [id],
      READ,
    );
    const row = result.first();
    const record = row ? fromRow(kind, row) : null;
    if (record) return { kind: 'live', record };
    if (!kind.deletions) return { kind: 'absent' };
    const deletion = await this.client.execute(
      `SELECT deleted_at FROM ${this.client.table(kind.deletions.cassandra)} WHERE id = ?`,
      [id],
      READ,
    );
    const at = deletion.first()?.get('deleted_at') as types.Long | null | undefined;
    return at === null || at === undefined
      ? { kind: 'absent' }
      : { kind: 'deleted', deletedAt: Number(at) };
  }

  /** Base rows then deletions, 100 ids per IN query, `concurrency` queries at a time. */
  async states<R extends KindRecord>(
    kind: RecordKind<R>,
    ids: readonly string[],
    concurrency: number,
  ): Promise<Map<string, RecordState<R>>> {
    const base = kind.cassandra.base;
    const out = new Map<string, RecordState<R>>();
    const rows = await this.inChunks(
      `SELECT ${selectColumns(base)} FROM ${this.client.table(base.name)} WHERE ${base.partitionKey} IN ?`,
      ids,
      concurrency,
    );
    for (const row of rows) {
      const record = fromRow(kind, row);
      if (record) out.set(record.id, { kind: 'live', record });
    }
    const rest = ids.filter((id) => !out.has(id));
    if (kind.deletions && rest.length > 0) {
      const deletions = await this.inChunks(
        `SELECT id, deleted_at FROM ${this.client.table(kind.deletions.cassandra)} WHERE id IN ?`,
        rest,
        concurrency,
      );
      for (const row of deletions) {
        const at = row.get('deleted_at') as types.Long | null;
        if (at !== null)
          out.set(row.get('id') as string, { kind: 'deleted', deletedAt: Number(at) });
      }
    }
    for (const id of ids) if (!out.has(id)) out.set(id, { kind: 'absent' });
    return out;
  }

  private async inChunks(cql: string, ids: readonly string[], concurrency: number) {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    const rows = await mapConcurrent(chunks, concurrency, async (chunk) => {
      const result = await this.client.execute(cql, [chunk], { ...READ, fetchSize: 1000 });
      return result.rows;
    });
    return rows.flat();
  }

  ownChannels(): OwnChannel[] {
    const channels: OwnChannel[] = [];
    for (const { kind } of this.kindMethods()) {
      for (const table of kind.cassandra.derived) {
        channels.push({
          name: `cassandra.${table.name}`,
          kind: kind.name,
          entity: kind.name,
          rows: true,
        });
      }
    }
    if (this.listedTables().length > 0) {
      channels.push({ name: PARTITIONS_CHANNEL, entity: 'partition', rows: false });
    }
    return channels;
  }

  private listedTables(): AnyTable[] {
    return [...this.kindMethods()].flatMap(({ kind }) =>
      kind.cassandra.derived.filter((table) => table.listing),
    );
  }

  async verifyScan(sink: VerifySink, channels: ReadonlySet<string>): Promise<void> {
    const partitions = new Set<string>();
    // rows are only kept (with their keys and write times) when drilling into differences
    const keep = sink.keepsRows;
    const scan = (table: AnyTable, visit: (row: types.Row, seen?: SeenRow) => void) =>
      scanTable(
        this.client,
        table.name,
        table.partitionKey,
        selectColumns(table, keep),
        (row) =>
          visit(
            row,
            keep
              ? {
                  table: table.name,
                  key: table.keys.map((k) => row.get(k) as unknown),
                  writetime: rowWritetime(table, row),
                }
              : undefined,
          ),
        2,
      );

    const scans: Promise<void>[] = [];
    const listingScans: Promise<void>[] = [];
    for (const { kind } of this.kindMethods()) {
      const derived = kind.cassandra.derived.filter((t) => channels.has(`cassandra.${t.name}`));
      if (channels.has(kind.name) || derived.length > 0) {
        scans.push(
          scan(kind.cassandra.base, (row, seen) => {
            const record = fromRow(kind, row);
            if (!record) return; // no record: cells left of a deleted one
            sink.add(kind.name, 'cassandra', record.id, recordHash(kind, record), seen);
            for (const table of derived) {
              const values = table.row(record);
              sink.add(
                `cassandra.${table.name}`,
                'expected',
                record.id,
                tableRowHash(table, (c) => values[c]),
              );
            }
          }),
        );
      }
      for (const table of derived) {
        const channel = `cassandra.${table.name}`;
        listingScans.push(
          scan(table, (row, seen) => {
            const id = row.get(table.idColumn) as string;
            sink.add(
              channel,
              'actual',
              id,
              tableRowHash(table, (c) => row.get(c)),
              seen,
            );
            if (table.listing)
              partitions.add(`${table.listing}:${row.get(table.partitionKey) as string}`);
          }),
        );
      }
    }
    scans.push(
      Promise.all(listingScans).then(() =>
        channels.has(PARTITIONS_CHANNEL) ? this.checkPartitions(sink, partitions) : undefined,
      ),
    );
    await Promise.all(scans);
  }

  async repair<R extends KindRecord>(
    kind: RecordKind<R>,
    id: string,
    state: RecordState<R>,
    seen: SeenEntry[],
  ): Promise<void> {
    const required = state.kind === 'live' ? this.requiredRows(kind, state.record) : [];
    await this.rewrite(required, seen);
    // records the deletion and removes what lives under the record; rows a scan found were
    // removed above, at their own times, in case they were written above the deletion
    if (state.kind === 'deleted') await this.applyDelete(kind, id, state.deletedAt);
    await this.methodsOf(kind).repaired?.(state);
  }

  /** A listing partition the rows need but listing_partitions lacks (`listing:partition`). */
  async repairOwn(channel: string, id: string): Promise<void> {
    if (channel !== PARTITIONS_CHANNEL) throw new Error(`cassandra has no channel ${channel}`);
    const [listing, ...rest] = id.split(':');
    await this.run([partitionWrite(this.client.keyspace, listing, rest.join(':'))]);
  }

  /** Every row a record must have: its base row, then its query-table rows. */
  private requiredRows<R extends KindRecord>(kind: RecordKind<R>, record: R): RequiredRow[] {
    const ks = this.client.keyspace;
    const methods = this.methodsOf(kind);
    const timestamp = kind.writtenAt(record);
    return tablesOf(kind).map((table) => {
      const values = table.row(record);
      const base = table === kind.cassandra.base;
      return {
        table: table as unknown as AnyTable,
        key: keyOf(table, values),
        hash: hashHex(base ? recordHash(kind, record) : tableRowHash(table, (c) => values[c])),
        timestamp,
        write: (ts: number) => [
          ...(methods.rowWrites?.(table, record, ts) ?? [insertRow(ks, table, values, ts)]),
          ...(table.listing
            ? [partitionWrite(ks, table.listing, String(values[table.partitionKey]))]
            : []),
        ],
      };
    });
  }

  /**
   * Makes a record's rows exactly `required`: every seen row that is not one of them is deleted
   * at its own write time (a newer write of the same row survives), every required row not seen
   * as it should be is written at its usual timestamp (or just above a row deleted under the
   * same key). A row can still be hidden by a tombstone no scan sees (a deletion made by hand
   * at a later time): reading the rows back finds that, and such rows are written at the current
   * time, which later versions of the record (written later) still overwrite.
   */
  private async rewrite(required: RequiredRow[], seen: SeenEntry[]): Promise<void> {
    const ks = this.client.keyspace;
    const matched = new Set<number>();
    const deletedAt = new Map<string, number>();
    const deletes: CassandraStatement[] = [];
    for (const entry of seen) {
      const index = required.findIndex(
        (r, i) => !matched.has(i) && r.table.name === entry.row.table && r.hash === entry.hash,
      );
      if (index >= 0) {
        matched.add(index);
        continue;
      }
      const table = this.tableNamed(entry.row.table);
      const at = entry.row.writetime ?? nowMicros();
      deletes.push(deleteRow(ks, table, entry.row.key, at));
      deletedAt.set(keyText(table.name, entry.row.key), at);
    }
    await this.run(deletes);
    const missing = required.filter((_, i) => !matched.has(i));
    await this.run(
      missing.flatMap((r) => {
        const below = deletedAt.get(keyText(r.table.name, r.key));
        return r.write(below !== undefined && below >= r.timestamp ? below + 1 : r.timestamp);
      }),
    );
    const hidden = await this.unreadable(missing);
    if (hidden.length > 0) await this.run(hidden.flatMap((r) => r.write(nowMicros())));
  }

  private tableNamed(name: string): AnyTable {
    for (const { kind } of this.kindMethods()) {
      const table = tablesOf(kind).find((t) => t.name === name);
      if (table) return table;
    }
    throw new Error(`no declared Cassandra table ${name}`);
  }

  /** The required rows that do not read back as written. */
  private async unreadable(rows: RequiredRow[]): Promise<RequiredRow[]> {
    const found = await mapConcurrent(rows, 8, async (r) => {
      const where = r.table.keys.map((k) => `${k} = ?`).join(' AND ');
      const result = await this.client.execute(
        `SELECT ${selectColumns(r.table)} FROM ${this.client.table(r.table.name)} WHERE ${where}`,
        r.key,
        READ,
      );
      const row = result.first();
      return !!row && this.storedHash(r.table, row) === r.hash;
    });
    return rows.filter((_, i) => !found[i]);
  }

  /** The hash a stored row has, computed as its required row's is. */
  private storedHash(table: AnyTable, row: types.Row): string | undefined {
    for (const { kind } of this.kindMethods()) {
      if (kind.cassandra.base !== table) continue;
      const record = fromRow(kind, row);
      return record ? hashHex(recordHash(kind, record)) : undefined;
    }
    return hashHex(tableRowHash(table, (c) => row.get(c)));
  }

  private async run(statements: CassandraStatement[]): Promise<void> {
    await mapConcurrent(statements, 8, (s) => this.client.execute(s.query, s.params, WRITE));
  }

  /** Partitions listing rows live in, against those listing_partitions names (extra ones are fine). */
  private async checkPartitions(sink: VerifySink, needed: Set<string>): Promise<void> {
    const present = new Set<string>();
    const listings = new Set(this.listedTables().map((table) => table.listing as string));
    for (const listing of listings) {
      const result = await this.client.execute(
        `SELECT partition FROM ${this.client.table(LISTING_PARTITIONS)} WHERE listing = ?`,
        [listing],
        READ,
      );
      for (const row of result.rows) present.add(`${listing}:${row.get('partition') as string}`);
    }
    for (const name of needed) {
      sink.add(PARTITIONS_CHANNEL, 'expected', name, hashOf([name]));
      if (present.has(name)) sink.add(PARTITIONS_CHANNEL, 'actual', name, hashOf([name]));
    }
  }

  private async *scanByToken<T>(
    table: string,
    partitionKey: string,
    columns: string,
    after: string | undefined,
    pageSize: number,
    /** undefined: the row is skipped */
    map: (row: types.Row) => T | undefined,
  ): AsyncIterable<ScanPage<T>> {
    const from = types.Long.fromString(
      (after === undefined ? MIN_TOKEN : BigInt(after)).toString(),
    );
    let pageState: string | undefined;
    do {
      const page = await this.client.page(
        `SELECT token(${partitionKey}) AS t, ${columns} FROM ${this.client.table(table)} WHERE token(${partitionKey}) > ?`,
        [from],
        { ...READ, fetchSize: pageSize, pageState },
      );
      const last = page.rows[page.rows.length - 1];
      if (last) {
        const items = page.rows.map(map).filter((item): item is T => item !== undefined);
        yield { items, position: (last.get('t') as types.Long).toString() };
      }
      pageState = page.pageState;
    } while (pageState);
  }
}
