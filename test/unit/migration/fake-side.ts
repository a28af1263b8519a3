import { StoreName } from '../../../src/config/migration-phase';
import {
  Channel,
  MigrationSide,
  PostState,
  ScanPage,
  SeenEntry,
  StoreWithDeletions,
  VerifySink,
} from '../../../src/migration/sides/migration-side';
import { commentHash, postHash } from '../../../src/migration/verify/record-hash';
import { Comment, Post } from '../../../src/store/post';

/** An in-memory store as the migration sees it: posts and comments in id order. */
export class FakeSide extends MigrationSide {
  readonly posts = new Map<string, Post>();
  readonly comments = new Map<string, Comment>();
  /** extra rows a verify scan reports on the `post` channel (duplicates, strays) */
  readonly extraPostRows: Post[] = [];
  scans = 0;
  /** replica writes throw while true */
  failing = false;
  /** deletions this store recorded: post id → deletedAt */
  readonly deletions = new Map<string, number>();
  readonly applied: string[] = [];
  store: StoreWithDeletions;

  constructor(readonly name: StoreName) {
    super();
    const applied = this.applied;
    const posts = this.posts;
    const comments = this.comments;
    const down = () => {
      if (this.failing) throw new Error(`${this.name} is down`);
    };
    this.store = {
      async applyPost(post: Post) {
        down();
        applied.push(post.id);
        posts.set(post.id, post);
      },
      async applyDelete(id: string) {
        down();
        applied.push(`-${id}`);
        posts.delete(id);
        for (const [cid, c] of comments) if (c.postId === id) comments.delete(cid);
      },
      async applyComment(comment: Comment) {
        down();
        applied.push(comment.id);
        comments.set(comment.id, comment);
      },
      async applyPosts(items: Post[]) {
        for (const p of items) {
          applied.push(p.id);
          posts.set(p.id, p);
        }
      },
      async applyComments(items: Comment[]) {
        for (const c of items) {
          applied.push(c.id);
          comments.set(c.id, c);
        }
      },
      async applyDeletes(items: { id: string }[]) {
        for (const { id } of items) {
          applied.push(`-${id}`);
          posts.delete(id);
          for (const [cid, c] of comments) if (c.postId === id) comments.delete(cid);
        }
      },
    } as unknown as StoreWithDeletions;
  }

  private async *pages<T>(
    items: Map<string, T>,
    after: string | undefined,
    size: number,
  ): AsyncIterable<ScanPage<T>> {
    const ids = [...items.keys()].sort().filter((id) => after === undefined || id > after);
    for (let i = 0; i < ids.length; i += size) {
      const chunk = ids.slice(i, i + size);
      yield { items: chunk.map((id) => items.get(id) as T), position: chunk[chunk.length - 1] };
    }
  }

  scanPosts(after: string | undefined, size: number) {
    return this.pages(this.posts, after, size);
  }
  scanComments(after: string | undefined, size: number) {
    return this.pages(this.comments, after, size);
  }
  scanDeletions(after: string | undefined, size: number) {
    const deletions = new Map(
      [...this.deletions].map(([id, deletedAt]) => [id, { id, deletedAt }]),
    );
    return this.pages(deletions, after, size);
  }
  async estimate() {
    return { posts: this.posts.size, comments: this.comments.size };
  }
  async countAfter(postsAfter?: string, commentsAfter?: string) {
    const after = (ids: Iterable<string>, from?: string) =>
      [...ids].filter((id) => from === undefined || id > from).length;
    return {
      posts: after(this.posts.keys(), postsAfter),
      comments: after(this.comments.keys(), commentsAfter),
    };
  }
  async verifyScan(sink: VerifySink, channels: ReadonlySet<Channel>) {
    this.scans++;
    const row = (table: string, id: string) => ({ table, key: [id], writetime: null });
    if (channels.has('post')) {
      for (const p of [...this.posts.values(), ...this.extraPostRows]) {
        sink.add('post', this.name, p.id, postHash(p), row('posts', p.id));
      }
    }
    if (channels.has('comment')) {
      for (const c of this.comments.values()) {
        sink.add('comment', this.name, c.id, commentHash(c), row('comments', c.id));
      }
    }
  }
  override async postState(id: string): Promise<PostState> {
    const post = this.posts.get(id);
    if (post) return { kind: 'live', post };
    const deletedAt = this.deletions.get(id);
    return deletedAt === undefined ? { kind: 'absent' } : { kind: 'deleted', deletedAt };
  }
  override async getComment(id: string) {
    return this.comments.get(id) ?? null;
  }
  async repairPost(id: string, state: PostState, _seen: SeenEntry[]) {
    if (state.kind === 'live') this.posts.set(id, state.post);
    else this.posts.delete(id);
  }
  async repairComment(id: string, comment: Comment | null) {
    if (comment) this.comments.set(id, comment);
    else this.comments.delete(id);
  }
}

let counter = 0;
export function fakePost(overrides: Partial<Post> = {}): Post {
  counter++;
  const createdAt = new Date(Date.UTC(2026, 0, 1) + counter * 1000);
  return {
    id: counter.toString(16).padStart(24, '0'),
    title: `Post ${counter}`,
    content: `Content ${counter}`,
    author: 'Ada',
    createdAt,
    updatedAt: createdAt,
    version: createdAt.getTime() * 1000,
    ...overrides,
  };
}

export function fakeComment(postId: string): Comment {
  counter++;
  return {
    id: `c${counter.toString(16).padStart(23, '0')}`,
    postId,
    commenter: 'Grace',
    comment: `Comment ${counter}`,
    createdAt: new Date(Date.UTC(2026, 0, 2) + counter),
  };
}

/** Both sides with the same posts (n) and two comments each. */
export function twoSides(n: number): { mongo: FakeSide; cassandra: FakeSide } {
  const mongo = new FakeSide('mongo');
  const cassandra = new FakeSide('cassandra');
  for (let i = 0; i < n; i++) {
    const post = fakePost();
    for (const side of [mongo, cassandra]) side.posts.set(post.id, post);
    for (const comment of [fakeComment(post.id), fakeComment(post.id)]) {
      for (const side of [mongo, cassandra]) side.comments.set(comment.id, comment);
    }
  }
  return { mongo, cassandra };
}
