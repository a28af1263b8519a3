import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { badParameter } from '../../common/http/query-params';
import { counted } from '../../common/view/date-view';
import { AppConfig } from '../../config/app-config';
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

/** What the post page and a refused comment say when a post has all the comments it may have. */
export function commentLimitMessage(limit: number): string {
  return `This post has reached its limit of ${counted(limit, 'comment', 'comments')}; no more comments can be added.`;
}

/** The post has COMMENTS_PER_POST comments already: 409, nothing stored. */
export class CommentLimitException extends ConflictException {
  constructor(limit: number) {
    super({ statusCode: 409, message: commentLimitMessage(limit) });
  }
}

/** A post with one page of its comments, oldest first. */
export interface Thread {
  post: Post;
  comments: CommentPage;
}

@Injectable()
export class CommentsService {
  constructor(
    private readonly store: PostStore,
    private readonly config: AppConfig,
  ) {}

  get commentLimit(): number {
    return this.config.commentsPerPost;
  }

  /**
   * Adds a comment to an existing post (404 otherwise) that has fewer than COMMENTS_PER_POST
   * comments (409 otherwise). The count stops at the limit, so it costs the same on any post;
   * it is not atomic with the write: adds racing at the limit may each find room (see api.md).
   */
  async add(postId: string, input: { commenter: string; comment: string }): Promise<Comment> {
    await requirePost(this.store, postId);
    if (await this.isFull(postId)) throw new CommentLimitException(this.commentLimit);
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

  /**
   * Whether the post has COMMENTS_PER_POST comments. `firstPage` (the post's first comments, when
   * the caller has them) answers without a count unless it has a next page.
   */
  async isFull(postId: string, firstPage?: CommentPage): Promise<boolean> {
    const limit = this.commentLimit;
    if (firstPage && !firstPage.next) return firstPage.items.length >= limit;
    return (await this.store.countComments(postId, limit)) >= limit;
  }

  /** What the post page says in place of the comment form, when the post is full. */
  async closedMessage(postId: string, firstPage?: CommentPage): Promise<string | undefined> {
    return (await this.isFull(postId, firstPage))
      ? commentLimitMessage(this.commentLimit)
      : undefined;
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
