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

/**
 * What features get when they inject PostStore: every call goes to the store of the phase
 * being served at that moment (PostStoreRouter), so a phase change needs no new instances and
 * no feature ever asks which database it talks to.
 */
export class PhaseRoutedPostStore extends PostStore {
  constructor(private readonly router: PostStoreRouter) {
    super();
  }

  get name(): string {
    return this.router.current().name;
  }

  createPost(post: Post): Promise<void> {
    return this.router.current().createPost(post);
  }
  getPost(id: string): Promise<Post | null> {
    return this.router.current().getPost(id);
  }
  updatePost(next: Post, previous: Post): Promise<boolean> {
    return this.router.current().updatePost(next, previous);
  }
  deletePost(previous: Post, deletedAt: number): Promise<boolean> {
    return this.router.current().deletePost(previous, deletedAt);
  }
  applyPost(post: Post, predecessor?: Post | null): Promise<void> {
    return this.router.current().applyPost(post, predecessor);
  }
  applyDelete(id: string, deletedAt: number, last?: Post): Promise<void> {
    return this.router.current().applyDelete(id, deletedAt, last);
  }
  addComment(comment: Comment): Promise<boolean> {
    return this.router.current().addComment(comment);
  }
  applyComment(comment: Comment): Promise<void> {
    return this.router.current().applyComment(comment);
  }
  getComment(id: string): Promise<Comment | null> {
    return this.router.current().getComment(id);
  }
  listComments(postId: string, limit: number, cursor?: string): Promise<CommentPage> {
    return this.router.current().listComments(postId, limit, cursor);
  }
  listPosts(query: ListPostsQuery): Promise<PostPage> {
    return this.router.current().listPosts(query);
  }
  authorStats(): Promise<AuthorCount[]> {
    return this.router.current().authorStats();
  }
  totals(): Promise<StoreTotals> {
    return this.router.current().totals();
  }
}
