import { Comment, excerptOf, Post, PostSummary } from '../post';
import { titleKey } from '../title-key';

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
}

export interface CommentDocument {
  _id: string;
  post_id: string;
  commenter: string;
  comment: string;
  created_at: Date;
}

/** The deletion of a post, kept so replica writes older than it are ignored. */
export interface TombstoneDocument {
  _id: string;
  deleted_at: number;
}

export function toPostDocument(post: Post): PostDocument {
  return {
    _id: post.id,
    title: post.title,
    title_key: titleKey(post.title),
    content: post.content,
    excerpt: excerptOf(post.content),
    author: post.author,
    created_at: post.createdAt,
    updated_at: post.updatedAt,
    version: post.version,
  };
}

export function fromPostDocument(doc: PostDocument): Post {
  return {
    id: doc._id,
    title: doc.title,
    content: doc.content,
    author: doc.author,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    version: Number(doc.version),
  };
}

export function toCommentDocument(comment: Comment): CommentDocument {
  return {
    _id: comment.id,
    post_id: comment.postId,
    commenter: comment.commenter,
    comment: comment.comment,
    created_at: comment.createdAt,
  };
}

export function fromCommentDocument(doc: CommentDocument): Comment {
  return {
    id: doc._id,
    postId: doc.post_id,
    commenter: doc.commenter,
    comment: doc.comment,
    createdAt: doc.created_at,
  };
}

/** MongoDB's duplicate key error (an upsert that lost to a newer version, a repeated insert). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | null)?.code === 11000;
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
