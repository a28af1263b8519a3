import { Injectable, NotFoundException } from '@nestjs/common';
import { badParameter } from '../../common/http/query-params';
import { PostNotFoundException } from '../post-errors';
import { requirePost } from '../post-lookup';
import { InvalidCursorError } from '../../store/cursor';
import { Comment, CommentPage, Post, PostStore } from '../../store/post-store';
import { commentDeleteVersion, isValidId, newId } from '../../store/versions';

/** Comments shown under a post at a time; more get a "later comments" link. */
export const COMMENTS_PAGE_SIZE = 50;

export const BAD_COMMENTS_CURSOR_MESSAGE =
  'This comments link is invalid or has expired; start again from the first comments.';

export class CommentNotFoundException extends NotFoundException {
  constructor() {
    super({ statusCode: 404, message: 'There is no comment at this address.' });
  }
}

/** A post with one page of its comments, oldest first. */
export interface Thread {
  post: Post;
  comments: CommentPage;
}

@Injectable()
export class CommentsService {
  constructor(private readonly store: PostStore) {}

  /** Adds a comment to an existing post (404 otherwise). */
  async add(postId: string, input: { commenter: string; comment: string }): Promise<Comment> {
    await requirePost(this.store, postId);
    const comment: Comment = {
      id: newId(),
      postId,
      commenter: input.commenter,
      comment: input.comment,
      createdAt: new Date(),
    };
    // the post was deleted while the comment was written: nothing is kept, as for a missing post
    if (!(await this.store.addComment(comment))) throw new PostNotFoundException();
    return comment;
  }

  /**
   * Deletes one comment (moderation) for good: its deletion is ordered after its only write, so
   * a late copy never brings it back. 404 when there is no such comment (or it is already gone).
   */
  async delete(commentId: string): Promise<Comment> {
    const comment = isValidId(commentId) ? await this.store.getComment(commentId) : null;
    if (!comment) throw new CommentNotFoundException();
    const deleted = await this.store.deleteComment(
      comment,
      commentDeleteVersion(comment.createdAt),
    );
    if (!deleted) throw new CommentNotFoundException();
    return comment;
  }

  /** The post and the page of comments after `cursor` (`?comments=`), or the first page. */
  async thread(postId: string, cursor?: string, limit = COMMENTS_PAGE_SIZE): Promise<Thread> {
    const post = await requirePost(this.store, postId);
    try {
      return { post, comments: await this.store.listComments(postId, limit, cursor) };
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw badParameter('comments', BAD_COMMENTS_CURSOR_MESSAGE);
      }
      throw error;
    }
  }
}
