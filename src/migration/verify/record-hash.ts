import { hash } from 'node:crypto';
import { Comment, excerptOf, Post } from '../../store/post';

/** 64 bits of a record's content hash, as two unsigned 32-bit halves (cheap to sum per bucket). */
export interface Hash64 {
  hi: number;
  lo: number;
}

/** Fields are joined with a byte no text field can hold unescaped in JSON. */
export function hashOf(parts: readonly (string | number | null)[]): Hash64 {
  const digest = hash('md5', JSON.stringify(parts), 'buffer');
  return { hi: digest.readUInt32BE(0), lo: digest.readUInt32BE(4) };
}

export function hashHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

const ms = (date: Date | null | undefined): number | null => (date ? date.getTime() : null);

/** A post's canonical fields plus its version: equal hashes = same content in both stores. */
export function postHash(post: Post): Hash64 {
  return hashOf([
    post.id,
    post.title,
    post.content,
    post.author,
    ms(post.createdAt),
    ms(post.updatedAt),
    post.version,
  ]);
}

export function commentHash(comment: Comment): Hash64 {
  return hashOf([
    comment.id,
    comment.postId,
    comment.commenter,
    comment.comment,
    ms(comment.createdAt),
  ]);
}

/** What a listing row of a post holds, whatever table it is in (the table's keys included). */
export interface ListingRowFields {
  id: string;
  /** the row's partition and clustering values, in the table's key order */
  key: readonly (string | number | null)[];
  title?: string | null;
  author?: string | null;
  excerpt?: string | null;
  createdAt?: Date | null;
  updatedAt?: Date | null;
  version: number | null;
}

export function listingRowHash(table: string, row: ListingRowFields): Hash64 {
  return hashOf([
    table,
    row.id,
    ...row.key,
    row.title ?? null,
    row.author ?? null,
    row.excerpt ?? null,
    ms(row.createdAt),
    ms(row.updatedAt),
    row.version,
  ]);
}

/** MongoDB's stored sort key and excerpt, against what the post's title and content give. */
export function derivedFieldsHash(titleKey: string, excerpt: string): Hash64 {
  return hashOf([titleKey, excerpt]);
}

export function expectedDerivedHash(post: Post, titleKeyOf: (title: string) => string): Hash64 {
  return derivedFieldsHash(titleKeyOf(post.title), excerptOf(post.content));
}

/** FNV-1a of the id: spreads any id (not only the app's hex ids) over the buckets. */
export function bucketOf(id: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}
