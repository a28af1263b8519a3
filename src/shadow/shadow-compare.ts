import { Plain } from '../common/hash';
import { COMMENT_KIND } from '../kinds/comment.kind';
import { POST_KIND } from '../kinds/post.kind';
import { fieldNames, KindRecord, plain } from '../kinds/record-kind';
import { StoreName } from '../config/migration-phase';
import { ListPostsQuery } from '../store/post-store';

/**
 * What a sampled read compares: the records a page shows, by id, each in canonical form (the
 * record kinds' field order, plain values). Pure functions, so the sampler's decisions are
 * tested without stores.
 */

/** The kinds shadow reads see: a post page and the listing show posts, a comments page comments. */
export type ShadowKind = 'post' | 'comment';

/** One read a page made, repeated on the secondary (and on both stores at the recheck). */
export type ShadowRead =
  | { page: 'post'; id: string }
  | { page: 'listing'; query: ListPostsQuery }
  | { page: 'comments'; postId: string; limit: number; cursor?: string };

/** The kind of the records a read returns. */
export function kindOfRead(read: ShadowRead): ShadowKind {
  return read.page === 'comments' ? 'comment' : 'post';
}

/** A record's canonical form: its fields in the order `fields` names them, as plain values. */
export type Form = Plain[];

/** The records a page holds, by id. */
export type Forms = Map<string, Form>;

/**
 * A listing shows summaries: the post's own fields minus the content, plus the excerpt made
 * from it (a change of content shows there). Same order as the kind's canonical form.
 */
const SUMMARY_FIELDS = [
  ...fieldNames(POST_KIND).filter((field) => field !== 'content' && field !== 'ownerId'),
  'excerpt',
];

/** The fields compared for what a read returns: whole records, or listing summaries. */
export function fieldsOfRead(read: ShadowRead): string[] {
  if (read.page === 'listing') return SUMMARY_FIELDS;
  return fieldNames(read.page === 'post' ? POST_KIND : COMMENT_KIND);
}

/** The whole record's fields of a kind (what a lookup by id compares). */
export function fieldsOfKind(kind: ShadowKind): string[] {
  return fieldNames(kind === 'post' ? POST_KIND : COMMENT_KIND);
}

export function formOf(fields: readonly string[], record: KindRecord): Form {
  const values = record as unknown as Record<string, unknown>;
  return fields.map((field) => plain(values[field]));
}

export function formsOf(fields: readonly string[], records: readonly KindRecord[]): Forms {
  return new Map(records.map((record) => [record.id, formOf(fields, record)]));
}

/** A record that reads differently in the two stores. */
export interface RecordDifference {
  id: string;
  /** the fields that differ, or `missing in <store>` */
  fields: string[];
}

export function sameForm(a: Form | undefined, b: Form | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/**
 * The records of `primary` and `secondary` that differ, by id: a record on one side only, or
 * one whose canonical forms differ (naming the fields). Ids in the order the primary shows them.
 */
export function differences(
  fields: readonly string[],
  primary: Forms,
  secondary: Forms,
  stores: { primary: StoreName; secondary: StoreName },
): RecordDifference[] {
  const found: RecordDifference[] = [];
  for (const [id, form] of primary) {
    const other = secondary.get(id);
    if (!other) {
      found.push({ id, fields: [`missing in ${stores.secondary}`] });
      continue;
    }
    const differing = fields.filter((_, index) => form[index] !== other[index]);
    if (differing.length > 0) found.push({ id, fields: differing });
  }
  for (const id of secondary.keys()) {
    if (!primary.has(id)) found.push({ id, fields: [`missing in ${stores.primary}`] });
  }
  return found;
}
