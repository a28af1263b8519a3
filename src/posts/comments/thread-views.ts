import { FieldErrors, SubmittedValues } from '../../common/validation/input-validation';
import { dateView } from '../../common/view/date-view';
import { Comment, CommentPage, Post } from '../../store/post-store';
import { Viewer, isAdmin } from '../../auth/viewer';
import { formState, postView } from '../post-views';
import { mayChange } from '../posts.service';

const COMMENT_FIELDS = ['commenter', 'comment'];

function commentView(comment: Comment, canDelete: boolean) {
  return {
    canDelete,
    id: comment.id,
    commenter: comment.commenter,
    comment: comment.comment,
    created: dateView(comment.createdAt),
  };
}

export interface CommentFormState {
  values?: SubmittedValues;
  errors?: FieldErrors;
}

/**
 * The post page: the post, one page of comments and the comment form (re-filled after an error).
 * `commentsCursor` is set when this is a later page of comments, to offer a way back to the start.
 * `closed` (the post has all the comments it may have) says why in place of the form.
 */
export function threadView(
  post: Post,
  comments: CommentPage,
  options: {
    commentsCursor?: string;
    form?: CommentFormState;
    viewer?: Viewer;
    closed?: string;
  } = {},
) {
  const admin = isAdmin(options.viewer);
  return {
    pageTitle: post.title,
    post: postView(post, mayChange(post, options.viewer?.account)),
    comments: comments.items.map((comment) => commentView(comment, admin)),
    // signed-in readers comment under their account's name: no name field
    anonymous: !options.viewer,
    commentsHeading: options.commentsCursor ? 'Later comments' : 'Comments',
    nextComments: comments.next,
    laterPage: !!options.commentsCursor,
    noComments: comments.items.length === 0 && !options.commentsCursor,
    commentForm: formState(options.form?.values ?? {}, options.form?.errors, COMMENT_FIELDS),
    commentsClosed: options.closed,
  };
}
