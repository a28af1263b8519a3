import { Injectable } from '@nestjs/common';
import { MAX_WRITE_ATTEMPTS, backoff } from '../common/backoff';
import { BAD_CURSOR_MESSAGE, badParameter } from '../common/http/query-params';
import { InvalidCursorError } from '../store/cursor';
import { ListPostsQuery, Post, PostPage, PostStore } from '../store/post-store';
import { deleteVersion, newId, nextVersion } from '../store/versions';
import { PostInputDto } from './dto/post-input.dto';
import { DeleteConflictException, EditConflictException } from './post-errors';
import { requirePost } from './post-lookup';

const COUNT_PAGE_SIZE = 500;

/**
 * Posts: listing, reading and the conditional writes. Knows only the PostStore port; which store
 * (or pair of stores) answers is the phase's business.
 */
@Injectable()
export class PostsService {
  constructor(private readonly store: PostStore) {}

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

  async create(input: PostInputDto): Promise<Post> {
    const now = new Date();
    const post: Post = {
      id: newId(now),
      title: input.title,
      author: input.author,
      ownerId: '',
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
   */
  async update(id: string, input: PostInputDto, expectedVersion?: number): Promise<Post> {
    for (let attempt = 1; ; attempt++) {
      const post = await requirePost(this.store, id);
      if (expectedVersion !== undefined && post.version !== expectedVersion) {
        throw new EditConflictException(post);
      }
      const next: Post = {
        ...post,
        title: input.title,
        author: input.author,
      ownerId: '',
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

  /** How many comments a post has: what deleting it removes with it. */
  async countComments(postId: string): Promise<number> {
    // walks the comments in large pages: there is no per-post count in the port
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await this.store.listComments(postId, COUNT_PAGE_SIZE, cursor);
      total += page.items.length;
      cursor = page.next;
    } while (cursor);
    return total;
  }

  /** Deletes the post and its comments, whatever version it has reached meanwhile. */
  async delete(id: string): Promise<Post> {
    for (let attempt = 1; ; attempt++) {
      const post = await requirePost(this.store, id);
      if (await this.store.deletePost(post, deleteVersion(post.version))) return post;
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new DeleteConflictException();
      await backoff(attempt);
    }
  }
}
