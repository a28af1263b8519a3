import { ACCOUNT_KIND } from './account.kind';
import { COMMENT_KIND } from './comment.kind';
import { CREDENTIAL_KIND } from './credential.kind';
import { POST_KIND } from './post.kind';
import { RecordKind } from './record-kind';

/** The blog's record kinds, parents first (backfill order). */
export const BLOG_KINDS: readonly RecordKind[] = [
  POST_KIND,
  COMMENT_KIND,
  ACCOUNT_KIND,
  CREDENTIAL_KIND,
] as RecordKind[];
