import { RecordKind, baseTable, CassandraTable, FieldsOf } from './record-kind';

/**
 * A comment under a post. Comments never change; they go with their post, or alone (moderation):
 * a deleted comment keeps a tombstone, so a late copy of it never comes back.
 */
export interface Comment {
  id: string;
  postId: string;
  commenter: string;
  comment: string;
  createdAt: Date;
}

export const COMMENT_FIELDS: FieldsOf<Comment> = {
  id: { type: 'text', mongo: '_id', cassandra: 'id' },
  postId: { type: 'text', mongo: 'post_id', cassandra: 'post_id' },
  commenter: { type: 'text', mongo: 'commenter', cassandra: 'commenter' },
  comment: { type: 'text', mongo: 'comment', cassandra: 'comment' },
  createdAt: { type: 'date', mongo: 'created_at', cassandra: 'created_at' },
};

export const COMMENTS_BY_ID = baseTable<Comment>('comments_by_id', COMMENT_FIELDS);

/** A post's comments, oldest first. */
export const COMMENTS_BY_POST: CassandraTable<Comment> = {
  name: 'comments_by_post',
  partitionKey: 'post_id',
  keys: ['post_id', 'created_at', 'id'],
  cells: ['commenter', 'comment'],
  idColumn: 'id',
  row: (comment) => ({
    post_id: comment.postId,
    created_at: comment.createdAt,
    id: comment.id,
    commenter: comment.commenter,
    comment: comment.comment,
  }),
};

/** When a comment's rows are written: its creation, in microseconds (it never changes). */
export const commentWrittenAt = (comment: Comment): number => comment.createdAt.getTime() * 1000;

/**
 * Whether the comment survives a deletion recorded at `deletedAt` (none: undefined): only a
 * comment written after it does, which a deletion made with commentDeleteVersion never sees.
 */
export const commentOutlives = (comment: Comment, deletedAt: number | undefined): boolean =>
  deletedAt === undefined || commentWrittenAt(comment) > deletedAt;

export const COMMENT_KIND: RecordKind<Comment> = {
  name: 'comment',
  plural: 'comments',
  fields: COMMENT_FIELDS,
  writtenAt: commentWrittenAt,
  parent: { kind: 'post', field: 'postId' },
  deletions: {
    name: 'comment-deletions',
    mongo: 'comment_deletions',
    cassandra: 'deleted_comments',
  },
  mongo: { collection: 'comments' },
  cassandra: { base: COMMENTS_BY_ID, derived: [COMMENTS_BY_POST] },
};
