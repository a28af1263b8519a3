import { FieldErrors, SubmittedValues } from '../../common/validation/input-validation';
import { dateView } from '../../common/view/date-view';
import { Comment, CommentPage, Post } from '../../store/post-store';
import { formState, postView } from '../post-views';

const COMMENT_FIELDS = ['commenter', 'comment'];

function commentView(comment: Comment) {
  return {
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
 */
export function threadView(
  post: Post,
  comments: CommentPage,
  options: { commentsCursor?: string; form?: CommentFormState } = {},
) {
  return {
    pageTitle: post.title,
    post: postView(post),
    comments: comments.items.map(commentView),
    commentsHeading: options.commentsCursor ? 'Later comments' : 'Comments',
    nextComments: comments.next,
    laterPage: !!options.commentsCursor,
    noComments: comments.items.length === 0 && !options.commentsCursor,
    commentForm: formState(options.form?.values ?? {}, options.form?.errors, COMMENT_FIELDS),
  };
}
