import { Hash64, Plain, hashOf } from '../common/hash';

/**
 * A record kind (post, comment, …) declared once: its fields and canonical form, its MongoDB
 * collection and its Cassandra tables with their keys. The stores build their documents, rows
 * and statements from it, and the migration engine (backfill, verify, reconcile, hint retry,
 * backup) iterates over the declared kinds without naming any of them.
 */

/** How a field is stored and compared: dates by their milliseconds, integers exactly. */
export type FieldType = 'text' | 'date' | 'integer' | 'boolean';

export interface FieldSpec {
  type: FieldType;
  /** the field in the kind's MongoDB documents (`_id` for the id) */
  mongo: string;
  /** the column in the kind's Cassandra base table */
  cassandra: string;
  /**
   * The value of a field added after records were stored: what a document or row without it
   * holds (no rewrite of old records needed). Fields without it are required.
   */
  absent?: string | number | boolean;
}

/** Every record has an id, made by the app before the first write, the same in every store. */
export interface KindRecord {
  id: string;
}

export type FieldsOf<R extends KindRecord> = Readonly<Record<keyof R & string, FieldSpec>>;

/** Reads a column of a row (cassandra-driver's Row has this shape). */
export interface ColumnReader {
  get(column: string): unknown;
}

/** A Cassandra table holding one row per record (or per record version's key). */
export interface CassandraTable<R extends KindRecord> {
  name: string;
  /** the partition key column */
  partitionKey: string;
  /** every primary key column in key order, the partition key first */
  keys: readonly string[];
  /** the other columns the record decides: what a verify compares besides the key */
  cells: readonly string[];
  /** the column naming the record a row belongs to */
  idColumn: string;
  /** the values of `keys` and `cells` a record's row holds (Dates for timestamps) */
  row(record: R): Record<string, unknown>;
  /**
   * The listing whose non-empty partitions are registered in Cassandra's `listing_partitions`
   * (a page reads the listing partition by partition, so a row in an unregistered one is never
   * shown).
   */
  listing?: string;
}

/** Where a kind keeps its deletions (tombstones), so a late or replayed copy stays out. */
export interface DeletionsSpec {
  /** the backfill stage and report label of these deletions (unique among kinds) */
  name: string;
  /** MongoDB collection of `{_id, deleted_at}` documents */
  mongo: string;
  /** Cassandra table `(id, deleted_at)` */
  cassandra: string;
}

export interface RecordKind<R extends KindRecord = KindRecord> {
  /** singular: the hint's entity, a difference's entity, a verify channel */
  readonly name: string;
  /** plural: the backfill stage, the counts in reports */
  readonly plural: string;
  /** every field, in canonical order: equal canonical forms = the same record in both stores */
  readonly fields: FieldsOf<R>;
  /** when this version of the record was written, in microseconds (orders copies) */
  writtenAt(record: R): number;
  /** a record that lives only as long as its parent record (a comment: its post) */
  readonly parent?: { kind: string; field: string };
  /** kinds whose deletions are recorded; without it a record only goes with its parent */
  readonly deletions?: DeletionsSpec;
  readonly mongo: {
    collection: string;
    /** fields stored beside the record's own, computed from it (sort keys, excerpts) */
    derived?(record: R): Record<string, unknown>;
    /**
     * derived fields added after documents were stored: older documents and backups lack them
     * until a schema migration (`rederive`) or a restore computes them
     */
    addedDerived?: readonly string[];
  };
  readonly cassandra: {
    /** one row per record, holding every field */
    base: CassandraTable<R>;
    /** query tables, each row computed from the record */
    derived: readonly CassandraTable<R>[];
  };
}

const FIELD_NAMES = new WeakMap<object, string[]>();

/** The kind's field names in canonical order. */
export function fieldNames(kind: RecordKind): string[] {
  let names = FIELD_NAMES.get(kind.fields);
  if (!names) FIELD_NAMES.set(kind.fields, (names = Object.keys(kind.fields)));
  return names;
}

/** A value as hashed and compared: Dates as milliseconds, driver longs as numbers. */
export function plain(value: unknown): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const long = value as { toNumber?: () => number };
  if (typeof long.toNumber === 'function') return long.toNumber();
  return String(value);
}

function valueOf(record: KindRecord, field: string): unknown {
  return (record as unknown as Record<string, unknown>)[field];
}

/** The canonical form: every field in order, as plain values. */
export function canonicalOf(kind: RecordKind, record: KindRecord): Plain[] {
  return fieldNames(kind).map((field) => plain(valueOf(record, field)));
}

/** The hash verify compares a record on, across stores. */
export function recordHash(kind: RecordKind, record: KindRecord): Hash64 {
  return hashOf(canonicalOf(kind, record));
}

/** The parent's id of a record of a kind with a parent (its own id otherwise). */
export function ownerOf(kind: RecordKind, record: KindRecord): string {
  return kind.parent ? String(valueOf(record, kind.parent.field)) : record.id;
}

function typed({ type, absent }: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) return absent ?? null;
  if (type === 'integer') return Number(value);
  if (type === 'boolean') return value === true;
  return value;
}

/** The record a MongoDB document holds. */
export function fromDocument<R extends KindRecord>(
  kind: RecordKind<R>,
  doc: Record<string, unknown>,
): R {
  const record: Record<string, unknown> = {};
  for (const field of fieldNames(kind)) {
    const spec = kind.fields[field as keyof R & string];
    record[field] = typed(spec, doc[spec.mongo]);
  }
  return record as unknown as R;
}

/** The MongoDB document of a record: its fields under their stored names, then derived ones. */
export function toDocument<R extends KindRecord>(
  kind: RecordKind<R>,
  record: R,
): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const field of fieldNames(kind)) {
    doc[kind.fields[field as keyof R & string].mongo] = valueOf(record, field);
  }
  return kind.mongo.derived ? Object.assign(doc, kind.mongo.derived(record)) : doc;
}

/**
 * The record a Cassandra base row holds; null for a row that holds only some of the fields (what
 * is left of a deleted record whose bookkeeping cells outlived it).
 */
export function fromRow<R extends KindRecord>(kind: RecordKind<R>, row: ColumnReader): R | null {
  const record: Record<string, unknown> = {};
  for (const field of fieldNames(kind)) {
    const spec = kind.fields[field as keyof R & string];
    const value = typed(spec, row.get(spec.cassandra));
    if (value === null) return null;
    record[field] = value;
  }
  return record as unknown as R;
}

/** A base table holding every field of the kind, keyed by the id. */
export function baseTable<R extends KindRecord>(
  name: string,
  fields: FieldsOf<R>,
): CassandraTable<R> {
  const columns = Object.entries<FieldSpec>(fields);
  const idColumn = fields['id' as keyof R & string].cassandra;
  return {
    name,
    partitionKey: idColumn,
    keys: [idColumn],
    cells: columns.map(([, spec]) => spec.cassandra).filter((column) => column !== idColumn),
    idColumn,
    row: (record) =>
      Object.fromEntries(columns.map(([field, spec]) => [spec.cassandra, valueOf(record, field)])),
  };
}

/** The values of a table row's key and cells, in declaration order, as hashed. */
export function tableRowPlain<R extends KindRecord>(
  table: CassandraTable<R>,
  read: (column: string) => unknown,
): Plain[] {
  return [...table.keys, ...table.cells].map((column) => plain(read(column)));
}

/** The hash of a table row, from its stored values or from what a record requires there. */
export function tableRowHash<R extends KindRecord>(
  table: CassandraTable<R>,
  read: (column: string) => unknown,
): Hash64 {
  return hashOf([table.name, ...tableRowPlain(table, read)]);
}

/** Every Cassandra table of the kind, the base table first. */
export function tablesOf<R extends KindRecord>(kind: RecordKind<R>): CassandraTable<R>[] {
  return [kind.cassandra.base, ...kind.cassandra.derived];
}
