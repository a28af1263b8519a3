import { Comment, Post } from './post';
import {
  AuthorCount,
  CommentPage,
  ListPostsQuery,
  PostPage,
  PostStore,
  StoreTotals,
} from './post-store';
import { PostStoreRouter } from './post-store.router';
import { asStoreError } from './store-errors';

/**
 * What features get when they inject PostStore: every call goes to the store of the phase
 * being served at that moment (PostStoreRouter), so a phase change needs no new instances and
 * no feature ever asks which database it talks to. A store that cannot answer comes out as a
 * StoreUnavailableError, whatever its driver threw.
 */
export class PhaseRoutedPostStore extends PostStore {
  constructor(private readonly router: PostStoreRouter) {
    super();
  }

  get name(): string {
    return this.router.current().name;
  }

  private async call<T>(work: (store: PostStore) => Promise<T>): Promise<T> {
    try {
      return await work(this.router.current());
    } catch (error) {
      throw asStoreError(error);
    }
  }

  createPost(post: Post): Promise<void> {
    return this.call((store) => store.createPost(post));
  }
  getPost(id: string): Promise<Post | null> {
    return this.call((store) => store.getPost(id));
  }
  updatePost(next: Post, previous: Post): Promise<boolean> {
    return this.call((store) => store.updatePost(next, previous));
  }
  deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    return this.call((store) => store.deletePost(previous, deletedAt));
  }
  addComment(comment: Comment): Promise<boolean> {
    return this.call((store) => store.addComment(comment));
  }
  deleteComment(comment: Comment, deletedAt: number): Promise<boolean> {
    return this.call((store) => store.deleteComment(comment, deletedAt));
  }
  getComment(id: string): Promise<Comment | null> {
    return this.call((store) => store.getComment(id));
  }
  listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    return this.call((store) => store.listComments(postId, limit, cursor));
  }
  countComments(postId: string, upTo: number): Promise<number> {
    return this.call((store) => store.countComments(postId, upTo));
  }
  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return this.call((store) => store.listPosts(query));
  }
  authorStats(top: number): Promise<AuthorCount[]> {
    return this.call((store) => store.authorStats(top));
  }
  totals(): Promise<StoreTotals> {
    return this.call((store) => store.totals());
  }
}
