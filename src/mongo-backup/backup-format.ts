import { BLOG_KINDS } from '../kinds/blog-kinds';
import { MIGRATION_RECORDS } from '../schema/mongo-migration.runner';
import { HINTS_COLLECTION } from '../store/hints/mongo-hint-log';
import { POST_LOCKS_COLLECTION } from '../store/mongo/mongo-post-records';
import { LISTING_PARTITIONS_COLLECTION } from '../store/mongo/mongo-listing-partitions';
import { ContentHash } from './content-hash';

/**
 * The backup file: gzip'd UTF-8 text, one JSON value per line.
 *
 * ```
 * {"format":"blog-mongo-backup","version":2,"created_at":"…","database":"blog","collections":[…],"signed":true}
 * {"c":"posts","d":<the document as canonical Extended JSON>}
 * …
 * {"manifest":{"counts":{"posts":N,…},"content_hashes":{"posts":"<hex>",…},"sha256":"<hex>"}}
 * {"signature":{"hmac_sha256":"<hex>","key_id":"<hex>"}}
 * ```
 *
 * `sha256` covers every byte before the manifest line (newlines included), so a missing manifest
 * means a cut file and a wrong checksum a changed one. The signature line (only when the header
 * says `signed`) holds an HMAC-SHA-256 with BACKUP_KEY of every byte before it, manifest
 * included (backup-signature.ts): the checksum finds accidents, the signature forgeries. Version
 * 1 files (before signatures) read as unsigned. A collection's content hash is the sum
 * modulo 2^256 of each document's sha256 over its canonical Extended JSON with sorted keys: the
 * same number whatever order the documents are read in, so it can be recomputed from MongoDB.
 */
export const BACKUP_FORMAT = 'blog-mongo-backup';
export const BACKUP_VERSION = 2;
/** Versions this tool reads: 1 had no signatures (it reads as unsigned). */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

/**
 * What a backup holds, in the order it is written and restored: every record kind's collection
 * (parents first), the hints, then the kinds' deletions (a restore must not bring a deleted
 * record back). Read from the record kinds' declarations.
 */
export const BACKED_UP_COLLECTIONS: readonly string[] = [
  ...BLOG_KINDS.map((kind) => kind.mongo.collection),
  HINTS_COLLECTION,
  ...BLOG_KINDS.flatMap((kind) => (kind.deletions ? [kind.deletions.mongo] : [])),
];
export type BackedUpCollection = string;

/**
 * Every collection of the blog, the one list cleanup drops: the backed-up data, the per-post
 * locks (held only while a write runs), the listing partitions (derived from the posts: a
 * restore notes them again) and the schema migration records, so that afterwards
 * MongoDB is as if it had never been migrated and `mongo restore` re-creates the schema.
 */
export const BLOG_COLLECTIONS = [
  ...BACKED_UP_COLLECTIONS,
  POST_LOCKS_COLLECTION,
  LISTING_PARTITIONS_COLLECTION,
  MIGRATION_RECORDS,
];

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  created_at: string;
  database: string;
  collections: BackedUpCollection[];
  /** a signature line follows the manifest (version 1 files: never) */
  signed: boolean;
}

/** Documents and content hash per collection: what a backup and MongoDB are compared on. */
export interface CollectionTotals {
  counts: Record<BackedUpCollection, number>;
  content_hashes: Record<BackedUpCollection, string>;
}

export interface BackupManifest extends CollectionTotals {
  /** sha256 (hex) of every byte of the uncompressed file before the manifest line */
  sha256: string;
}

/** A backup file that is missing, unreadable, cut short or changed. */
export class BackupFileError extends Error {
  override name = 'BackupFileError';
}

export function isBackedUpCollection(name: unknown): name is BackedUpCollection {
  return typeof name === 'string' && BACKED_UP_COLLECTIONS.includes(name);
}

export function headerLine(database: string, createdAt: Date, signed: boolean): string {
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    created_at: createdAt.toISOString(),
    database,
    collections: [...BACKED_UP_COLLECTIONS],
    signed,
  };
  return JSON.stringify(header);
}

/** `ejson`: the document as canonical Extended JSON (EJSON.serialize with relaxed: false). */
export function documentLine(collection: BackedUpCollection, ejson: unknown): string {
  return JSON.stringify({ c: collection, d: ejson });
}

export function manifestLine(manifest: BackupManifest): string {
  return JSON.stringify({ manifest });
}

/** Counts and content hashes per collection, built one document at a time. */
export class Tally {
  private readonly hashes = new Map<BackedUpCollection, ContentHash>(
    BACKED_UP_COLLECTIONS.map((collection) => [collection, new ContentHash()]),
  );

  add(collection: BackedUpCollection, ejson: unknown): void {
    this.hashes.get(collection)!.add(ejson);
  }

  totals(): CollectionTotals {
    const entries = [...this.hashes];
    return {
      counts: Object.fromEntries(entries.map(([c, hash]) => [c, hash.count])) as Record<
        BackedUpCollection,
        number
      >,
      content_hashes: Object.fromEntries(entries.map(([c, hash]) => [c, hash.hex()])) as Record<
        BackedUpCollection,
        string
      >,
    };
  }
}

/** One side of a comparison of totals, named for the messages ("MongoDB", "the backup"). */
export interface NamedTotals {
  name: string;
  totals: CollectionTotals;
}

/**
 * Where two sides differ, one phrase per collection (empty when they agree), e.g.
 * `posts (MongoDB 121 documents, the backup 120)` or `comments (same count, different content)`.
 */
export function totalsDifferences(a: NamedTotals, b: NamedTotals): string[] {
  return BACKED_UP_COLLECTIONS.flatMap((c) => {
    if (a.totals.counts[c] !== b.totals.counts[c]) {
      return [`${c} (${a.name} ${a.totals.counts[c]} documents, ${b.name} ${b.totals.counts[c]})`];
    }
    if (a.totals.content_hashes[c] !== b.totals.content_hashes[c]) {
      return [`${c} (same count, different content)`];
    }
    return [];
  });
}

/** "120 posts, 400 comments, 3 hints, 2 deleted_posts" */
export function describeCounts(counts: Record<BackedUpCollection, number>): string {
  return BACKED_UP_COLLECTIONS.map((c) => `${counts[c].toLocaleString('en-US')} ${c}`).join(', ');
}
