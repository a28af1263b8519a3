import { StoreName } from '../../../src/config/migration-phase';
import { BLOG_KINDS } from '../../../src/kinds/blog-kinds';
import { Comment } from '../../../src/kinds/comment.kind';
import { Post } from '../../../src/kinds/post.kind';
import { KindRecord, RecordKind, recordHash } from '../../../src/kinds/record-kind';
import { RecordKinds } from '../../../src/kinds/record-kinds';
import {
  Deletion,
  OwnChannel,
  RecordState,
  RecordWriter,
  Replica,
  ScanPage,
  VerifySink,
} from '../../../src/store/replica';
import { Replicas } from '../../../src/store/replicas';

/** An in-memory store as the migration sees it: posts and comments in id order. */
export class FakeReplica extends Replica {
  readonly posts = new Map<string, Post>();
  readonly comments = new Map<string, Comment>();
  /** extra rows a verify scan reports on the `post` channel (duplicates, strays) */
  readonly extraPostRows: Post[] = [];
  scans = 0;
  /** replica writes throw while true */
  failing = false;
  /** deletions this store recorded: post id → deletedAt */
  readonly deletions = new Map<string, number>();
  /** comments deleted on their own: comment id → deletedAt */
  readonly commentDeletions = new Map<string, number>();
  readonly applied: string[] = [];
  /** writers made, per kind (a backfill makes one per kind per run) */
  readonly writers: string[] = [];
  /** called with every page a writer gets, before it is written (a test may throw) */
  onPage?: (kind: RecordKind, items: readonly KindRecord[]) => Promise<void>;

  constructor(readonly name: StoreName) {
    super();
  }

  private down(): void {
    if (this.failing) throw new Error(`${this.name} is down`);
  }

  /** records of the other kinds (accounts, credentials), by kind */
  readonly others = new Map<string, Map<string, KindRecord>>();

  private mapOf(kind: RecordKind): Map<string, KindRecord> {
    if (kind.name === 'post') return this.posts as Map<string, KindRecord>;
    if (kind.name === 'comment') return this.comments as Map<string, KindRecord>;
    let records = this.others.get(kind.name);
    if (!records) this.others.set(kind.name, (records = new Map()));
    return records;
  }

  private put(kind: RecordKind, record: KindRecord): void {
    this.applied.push(record.id);
    this.mapOf(kind).set(record.id, record);
  }

  /** deletions of the other kinds (credentials), by kind */
  private readonly otherDeletions = new Map<string, Map<string, number>>();

  private deletionsOf(kind: RecordKind): Map<string, number> {
    if (kind.name === 'post') return this.deletions;
    if (kind.name === 'comment') return this.commentDeletions;
    let deletions = this.otherDeletions.get(kind.name);
    if (!deletions) this.otherDeletions.set(kind.name, (deletions = new Map()));
    return deletions;
  }

  private remove(kind: RecordKind, id: string, deletedAt?: number): void {
    this.applied.push(`-${id}`);
    if (deletedAt !== undefined) this.deletionsOf(kind).set(id, deletedAt);
    if (kind.name === 'comment') {
      this.comments.delete(id);
      return;
    }
    this.posts.delete(id);
    for (const [cid, c] of this.comments) if (c.postId === id) this.comments.delete(cid);
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

  scan<R extends KindRecord>(kind: RecordKind<R>, after: string | undefined, size: number) {
    return this.pages(this.mapOf(kind) as unknown as Map<string, R>, after, size);
  }
  scanDeletions(kind: RecordKind, after: string | undefined, size: number) {
    const deletions = new Map<string, Deletion>(
      [...this.deletionsOf(kind)].map(([id, deletedAt]) => [id, { id, deletedAt }]),
    );
    return this.pages(deletions, after, size);
  }
  async estimate(kind: RecordKind) {
    return this.mapOf(kind).size;
  }
  async countAfter(kind: RecordKind, after?: string) {
    return [...this.mapOf(kind).keys()].filter((id) => after === undefined || id > after).length;
  }
  writer<R extends KindRecord>(kind: RecordKind<R>): RecordWriter<R> {
    this.writers.push(kind.name);
    return async (records) => {
      await this.onPage?.(kind, records);
      for (const record of records) this.put(kind, record);
    };
  }
  async apply<R extends KindRecord>(kind: RecordKind<R>, record: R) {
    this.down();
    this.put(kind, record);
  }
  /** the bulk calls made (`states post 3`, `applyMany comment 2`), and how many ran at once */
  readonly bulk: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** called before every bulk call (a test may throw or wait) */
  onBulk?: (call: string, ids: readonly string[]) => Promise<void>;

  private async bulkCall<T>(call: string, ids: readonly string[], work: () => T): Promise<T> {
    this.bulk.push(`${call} ${ids.length}`);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      await this.onBulk?.(call, ids);
      this.down();
      return work();
    } finally {
      this.inFlight--;
    }
  }
  async applyMany<R extends KindRecord>(
    kind: RecordKind<R>,
    records: readonly R[],
    _concurrency: number,
  ) {
    await this.bulkCall(
      `applyMany ${kind.name}`,
      records.map((r) => r.id),
      () => records.forEach((record) => this.put(kind, record)),
    );
  }
  async states<R extends KindRecord>(kind: RecordKind<R>, ids: readonly string[]) {
    return this.bulkCall(`states ${kind.name}`, ids, async () => {
      const out = new Map<string, RecordState<R>>();
      for (const id of ids) out.set(id, await this.state(kind, id));
      return out;
    });
  }
  async applyDelete(kind: RecordKind, id: string, deletedAt: number) {
    this.down();
    this.remove(kind, id, deletedAt);
  }
  async applyDeletes(kind: RecordKind, deletions: readonly Deletion[]) {
    await this.bulkCall(
      `applyDeletes ${kind.name}`,
      deletions.map((d) => d.id),
      () => deletions.forEach(({ id, deletedAt }) => this.remove(kind, id, deletedAt)),
    );
  }
  async state<R extends KindRecord>(kind: RecordKind<R>, id: string): Promise<RecordState<R>> {
    const record = this.mapOf(kind).get(id) as R | undefined;
    if (record) return { kind: 'live', record };
    const deletedAt = this.deletionsOf(kind).get(id);
    return deletedAt === undefined ? { kind: 'absent' } : { kind: 'deleted', deletedAt };
  }
  ownChannels(): OwnChannel[] {
    return [];
  }
  async verifyScan(sink: VerifySink, channels: ReadonlySet<string>) {
    this.scans++;
    const row = (table: string, id: string) => ({ table, key: [id], writetime: null });
    const [post, comment] = BLOG_KINDS;
    if (channels.has('post')) {
      for (const p of [...this.posts.values(), ...this.extraPostRows]) {
        sink.add('post', this.name, p.id, recordHash(post, p), row('posts', p.id));
      }
    }
    if (channels.has('comment')) {
      for (const c of this.comments.values()) {
        sink.add('comment', this.name, c.id, recordHash(comment, c), row('comments', c.id));
      }
    }
  }
  async repair<R extends KindRecord>(kind: RecordKind<R>, id: string, state: RecordState<R>) {
    if (state.kind === 'live') this.mapOf(kind).set(id, state.record);
    else this.mapOf(kind).delete(id);
    if (state.kind === 'deleted') this.deletionsOf(kind).set(id, state.deletedAt);
  }
  async repairOwn(channel: string): Promise<void> {
    throw new Error(`no channel ${channel}`);
  }
}

/** The two fakes as the engine gets them, with the blog's kinds. */
export function replicasOf(mongo: FakeReplica, cassandra: FakeReplica): Replicas {
  return new Replicas(new RecordKinds(BLOG_KINDS), { mongo, cassandra });
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
    ownerId: '',
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
export function twoSides(n: number): { mongo: FakeReplica; cassandra: FakeReplica } {
  const mongo = new FakeReplica('mongo');
  const cassandra = new FakeReplica('cassandra');
  for (let i = 0; i < n; i++) {
    const post = fakePost();
    for (const side of [mongo, cassandra]) side.posts.set(post.id, post);
    for (const comment of [fakeComment(post.id), fakeComment(post.id)]) {
      for (const side of [mongo, cassandra]) side.comments.set(comment.id, comment);
    }
  }
  return { mongo, cassandra };
}
