import { Comment, COMMENT_KIND } from '../../kinds/comment.kind';
import { Post, POST_KIND } from '../../kinds/post.kind';
import { FieldType, fromDocument, toDocument } from '../../kinds/record-kind';
import { PostSummary } from '../post';

/** A post as stored in MongoDB: the design's field names, plus the sort key and version. */
export interface PostDocument {
  _id: string;
  title: string;
  /** titleKey(title): FerretDB has no collations, so the folded key is stored and indexed */
  title_key: string;
  content: string;
  /** excerptOf(content), kept so listings never read the content */
  excerpt: string;
  author: string;
  created_at: Date;
  updated_at: Date;
  version: number;
  /** missing on posts from before accounts */
  owner_id?: string;
  /** monthOf(created_at): the partition of the newest / oldest listing */
  month: string;
  /** titlePrefix(title_key): the partition of the A–Z / Z–A listing */
  title_prefix: string;
}

export interface CommentDocument {
  _id: string;
  post_id: string;
  commenter: string;
  comment: string;
  created_at: Date;
}

/** The deletion of a record, kept so replica writes older than it are ignored. */
export interface TombstoneDocument {
  _id: string;
  deleted_at: number;
}

/** The type of every field of a tombstone (a restored backup's deletions are checked on it). */
export const TOMBSTONE_DOCUMENT_FIELDS: Readonly<Record<keyof TombstoneDocument, FieldType>> = {
  _id: 'text',
  deleted_at: 'integer',
};

// The documents are laid out by the kinds' declarations (src/kinds); these only name their types.

export function toPostDocument(post: Post): PostDocument {
  return toDocument(POST_KIND, post) as unknown as PostDocument;
}

export function fromPostDocument(doc: PostDocument): Post {
  return fromDocument(POST_KIND, doc as unknown as Record<string, unknown>);
}

export function toCommentDocument(comment: Comment): CommentDocument {
  return toDocument(COMMENT_KIND, comment) as unknown as CommentDocument;
}

export function fromCommentDocument(doc: CommentDocument): Comment {
  return fromDocument(COMMENT_KIND, doc as unknown as Record<string, unknown>);
}

/** MongoDB's duplicate key error (an upsert that lost to a newer version, a repeated insert). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | null)?.code === 11000;
}

/**
 * Waits for an unordered insertMany; the indexes of the documents it skipped because their _id
 * was taken. Any other failure is thrown.
 */
export async function duplicatesOf(insert: Promise<unknown>): Promise<Set<number>> {
  try {
    await insert;
    return new Set();
  } catch (error) {
    const failures = (error as { writeErrors?: { index: number; code: number }[] }).writeErrors;
    if (!failures || failures.some((failure) => failure.code !== 11000)) throw error;
    return new Set(failures.map((failure) => failure.index));
  }
}

/** A listing row: read without the content (projection), using the stored excerpt. */
export function summaryFromDocument(doc: Omit<PostDocument, 'content'>): PostSummary {
  return {
    id: doc._id,
    title: doc.title,
    author: doc.author,
    excerpt: doc.excerpt,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    version: Number(doc.version),
  };
}
