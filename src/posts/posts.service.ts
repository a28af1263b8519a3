import { Injectable } from '@nestjs/common';
import { MAX_WRITE_ATTEMPTS, backoff } from '../common/backoff';
import { AppConfig } from '../config/app-config';
import { BAD_CURSOR_MESSAGE, badParameter } from '../common/http/query-params';
import { InvalidCursorError } from '../store/cursor';
import { Account } from '../store/account-store';
import { ListPostsQuery, Post, PostPage, PostStore } from '../store/post-store';
import { deleteVersion, newId, nextVersion } from '../store/versions';
import { PostInputDto } from './dto/post-input.dto';
import {
  DeleteConflictException,
  EditConflictException,
  NotYourPostException,
} from './post-errors';
import { requirePost } from './post-lookup';

/** What deleting a post removes with it: `count` comments, or more than that when `more`. */
export interface CommentsOfPost {
  count: number;
  more: boolean;
}

/**
 * Admins may change any post; an author only their own. Posts from before accounts have no
 * owner (''), so only admins may change those.
 */
export function mayChange(post: Pick<Post, 'ownerId'>, account: Account | undefined): boolean {
  if (!account) return false;
  return account.role === 'admin' || (post.ownerId !== '' && post.ownerId === account.id);
}

/**
 * Posts: listing, reading and the conditional writes. Knows only the PostStore port; which store
 * (or pair of stores) answers is the phase's business.
 */
@Injectable()
export class PostsService {
  constructor(
    private readonly store: PostStore,
    private readonly config: AppConfig,
  ) {}

  async list(query: ListPostsQuery): Promise<PostPage> {
    try {
      return await this.store.listPosts(query);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw badParameter('cursor', BAD_CURSOR_MESSAGE);
      throw error;
    }
  }

  get(id: string): Promise<Post> {
    return requirePost(this.store, id);
  }

  /** The author is the account: its display name, and its id as the post's owner. */
  async create(input: PostInputDto, author: Account): Promise<Post> {
    const now = new Date();
    const post: Post = {
      id: newId(now),
      title: input.title,
      author: author.name,
      ownerId: author.id,
      content: input.content,
      createdAt: now,
      updatedAt: now,
      version: nextVersion(),
    };
    await this.store.createPost(post);
    return post;
  }

  /**
   * Applies the edit to the current post. With `expectedVersion` (the version the editor saw) a
   * post that changed since is a conflict, never silently overwritten. Without it a lost race is
   * retried on the fresh post: the last writer wins, but every change still gets its own version.
   * Only the post's owner or an admin may edit it (403 otherwise); author and owner stay.
   */
  async update(
    id: string,
    input: PostInputDto,
    editor: Account,
    expectedVersion?: number,
  ): Promise<Post> {
    for (let attempt = 1; ; attempt++) {
      const post = await this.changeable(id, editor);
      if (expectedVersion !== undefined && post.version !== expectedVersion) {
        throw new EditConflictException(post);
      }
      const next: Post = {
        ...post,
        title: input.title,
        content: input.content,
        updatedAt: new Date(),
        version: nextVersion(post.version),
      };
      if (await this.store.updatePost(next, post)) return next;
      // The next read shows who won: a conditional edit then fails on its version check.
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new EditConflictException(post);
      await backoff(attempt);
    }
  }

  /**
   * How many comments deleting the post removes with it, counted no further than one past
   * COMMENTS_PER_POST (a post over it, from adds that raced at the limit, says "more than").
   */
  async commentsOf(postId: string): Promise<CommentsOfPost> {
    const limit = this.config.commentsPerPost;
    const count = await this.store.countComments(postId, limit + 1);
    return count > limit ? { count: limit, more: true } : { count, more: false };
  }

  /** The post, if `account` may edit or delete it: 404 when it does not exist, 403 when not theirs. */
  async changeable(id: string, account: Account): Promise<Post> {
    const post = await requirePost(this.store, id);
    if (!mayChange(post, account)) throw new NotYourPostException();
    return post;
  }

  /** Deletes the post and its comments, whatever version it has reached meanwhile (owner or admin). */
  async delete(id: string, editor: Account): Promise<Post> {
    for (let attempt = 1; ; attempt++) {
      const post = await this.changeable(id, editor);
      if (await this.store.deletePost(post, deleteVersion(post.version))) return post;
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new DeleteConflictException();
      await backoff(attempt);
    }
  }
}
