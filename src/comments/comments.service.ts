import { Injectable } from '@nestjs/common';
import { badParameter } from '../common/http/query-params';
import { PostNotFoundException } from '../posts/post-errors';
import { requirePost } from '../posts/post-lookup';
import { InvalidCursorError } from '../store/cursor';
import { Comment, CommentPage, Post, PostStore } from '../store/post-store';
import { newId } from '../store/versions';
import { CommentInputDto } from './dto/comment-input.dto';

/** Comments shown under a post at a time; more get a "later comments" link. */
export const COMMENTS_PAGE_SIZE = 50;

// Counting walks the comments in large pages: there is no per-post count in the port.
const COUNT_PAGE_SIZE = 500;

export const BAD_COMMENTS_CURSOR_MESSAGE =
  'This comments link is invalid or has expired; start again from the first comments.';

/** A post with one page of its comments, oldest first. */
export interface Thread {
  post: Post;
  comments: CommentPage;
}

@Injectable()
export class CommentsService {
  constructor(private readonly store: PostStore) {}

  /** Adds a comment to an existing post (404 otherwise). */
  async add(postId: string, input: CommentInputDto): Promise<Comment> {
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

  /** How many comments a post has (what a deletion would remove with it). */
  async count(postId: string): Promise<number> {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await this.store.listComments(postId, COUNT_PAGE_SIZE, cursor);
      total += page.items.length;
      cursor = page.next;
    } while (cursor);
    return total;
  }
}
