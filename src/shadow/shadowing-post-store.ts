import {
  AuthorCount,
  Comment,
  CommentPage,
  ListPostsQuery,
  Post,
  PostPage,
  PostStore,
  StoreTotals,
} from '../store/post-store';
import { ShadowSampler } from './shadow-sampler';

/**
 * The request-side PostStore of features: the phase-routed store, with the post, listing and
 * comments page reads offered to the shadow sampler once the primary answered. The offer is a
 * rate check and, when sampled, a push to a queue: the answer is returned as it came.
 */
export class ShadowingPostStore extends PostStore {
  constructor(
    private readonly inner: PostStore,
    private readonly sampler: ShadowSampler,
  ) {
    super();
  }

  get name(): string {
    return this.inner.name;
  }

  async getPost(id: string): Promise<Post | null> {
    const post = await this.inner.getPost(id);
    this.sampler.offer({ page: 'post', id }, post);
    return post;
  }

  async listPosts(query: ListPostsQuery): Promise<PostPage> {
    const page = await this.inner.listPosts(query);
    this.sampler.offer({ page: 'listing', query: { ...query } }, page);
    return page;
  }

  async listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    const page = await this.inner.listComments(postId, limit, cursor);
    this.sampler.offer({ page: 'comments', postId, limit, cursor }, page);
    return page;
  }

  createPost(post: Post): Promise<void> {
    return this.inner.createPost(post);
  }
  updatePost(next: Post, previous: Post): Promise<boolean> {
    return this.inner.updatePost(next, previous);
  }
  deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    return this.inner.deletePost(previous, deletedAt);
  }
  addComment(comment: Comment): Promise<boolean> {
    return this.inner.addComment(comment);
  }
  deleteComment(comment: Comment, deletedAt: number): Promise<boolean> {
    return this.inner.deleteComment(comment, deletedAt);
  }
  getComment(id: string): Promise<Comment | null> {
    return this.inner.getComment(id);
  }
  countComments(postId: string, upTo: number): Promise<number> {
    return this.inner.countComments(postId, upTo);
  }
  authorStats(top: number): Promise<AuthorCount[]> {
    return this.inner.authorStats(top);
  }
  totals(): Promise<StoreTotals> {
    return this.inner.totals();
  }
}
