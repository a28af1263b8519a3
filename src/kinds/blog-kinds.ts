import { COMMENT_KIND } from './comment.kind';
import { POST_KIND } from './post.kind';
import { RecordKind } from './record-kind';

/** The blog's record kinds, parents first. */
export const BLOG_KINDS: readonly RecordKind[] = [POST_KIND, COMMENT_KIND] as RecordKind[];
