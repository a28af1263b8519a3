import { BlogClient } from './blog-client';
import { Dataset } from './migration';

/** What a client was last told about a post: its content, its comments, or its deletion. */
export interface AckedPost {
  id: string;
  title: string;
  author: string;
  content: string;
  /** the version of the last acknowledged edit (unknown for a post only created) */
  version?: number;
  /** written before the traffic, straight into MongoDB */
  preexisting: boolean;
  /** the traffic wrote to it (created, edited, commented or deleted it) */
  touched: boolean;
  deleted: boolean;
  comments: Map<string, { commenter: string; comment: string }>;
}

const pick = <T>(items: readonly T[]): T | undefined =>
  items.length ? items[Math.floor(Math.random() * items.length)] : undefined;
const TITLE_STARTS = ['Alpha', 'Émile', 'beta', 'Zed', '9 lives', 'Ökonomie', 'ünder', 'Quiet'];

/**
 * Writes through the blog's HTTP API with a few concurrent workers (create, edit, comment,
 * delete), on the pre-existing posts and on its own, and records every acknowledged write.
 * Edits of one post may race each other and a deletion (the highest acknowledged version wins);
 * a post is only deleted while no comment on it is in flight, so "acknowledged" stays exact.
 */
export class BlogTraffic {
  readonly posts = new Map<string, AckedPost>();
  /** acknowledged writes, with when they were acknowledged */
  readonly acks: { op: 'create' | 'edit' | 'comment' | 'delete'; at: number }[] = [];
  /** answers no client should get (anything but 2xx, or 404/409 where a race explains them) */
  readonly unexpected: string[] = [];
  private readonly live: string[] = [];
  private readonly commenting = new Map<string, number>();
  private readonly deleting = new Set<string>();
  private running?: Promise<void[]>;
  private stopped = false;
  private n = 0;

  constructor(
    private readonly blog: BlogClient,
    existing: Dataset,
  ) {
    for (const p of existing.posts) {
      this.add({ ...p, preexisting: true, touched: false, deleted: false, comments: new Map() });
    }
    for (const c of existing.comments) {
      this.posts.get(c.postId)?.comments.set(c.id, { commenter: c.commenter, comment: c.comment });
    }
  }

  start(workers: number): void {
    this.running = Promise.all(Array.from({ length: workers }, () => this.work()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  ackedBetween(from: number, to: number): number {
    return this.acks.filter((a) => a.at >= from && a.at <= to).length;
  }

  private add(post: AckedPost): void {
    this.posts.set(post.id, post);
    this.live.push(post.id);
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const r = Math.random();
      if (r < 0.15) await this.create();
      else if (r < 0.5) await this.edit();
      else if (r < 0.9) await this.comment();
      else await this.remove();
    }
  }

  /** A live post, pre-existing two times in three while there are any. */
  private target(ok: (id: string) => boolean = () => true): AckedPost | undefined {
    const preexisting = Math.random() < 0.67;
    const candidates = this.live.filter((id) => {
      const post = this.posts.get(id)!;
      return post.preexisting === preexisting && !this.deleting.has(id) && ok(id);
    });
    const id = pick(candidates) ?? pick(this.live.filter((i) => !this.deleting.has(i) && ok(i)));
    return id ? this.posts.get(id) : undefined;
  }

  private content() {
    const i = ++this.n;
    return {
      title: `${pick(TITLE_STARTS)} traffic ${i}`,
      author: `Writer ${i % 7}`,
      content: `Traffic content ${i}\nwith a second line ${Math.random()}`,
    };
  }

  private async create(): Promise<void> {
    const body = this.content();
    const res = await this.blog.create(body);
    if (res.status !== 201) return this.unexpect('create', res);
    const id = (res.body as { id: string }).id;
    this.add({
      id,
      ...body,
      preexisting: false,
      touched: true,
      deleted: false,
      comments: new Map(),
    });
    this.acks.push({ op: 'create', at: Date.now() });
  }

  private async edit(): Promise<void> {
    const post = this.target();
    if (!post) return;
    const body = this.content();
    const res = await this.blog.edit(post.id, body);
    if (res.status === 404 && (post.deleted || this.deleting.has(post.id))) return; // raced a delete
    if (res.status !== 200) return this.unexpect(`edit ${post.id}`, res);
    const { version } = res.body as { version: number };
    if (post.version === undefined || version > post.version) {
      Object.assign(post, body, { version });
    }
    post.touched = true;
    this.acks.push({ op: 'edit', at: Date.now() });
  }

  private async comment(): Promise<void> {
    const post = this.target();
    if (!post) return;
    const body = { commenter: `Reader ${++this.n % 11}`, comment: `Comment ${this.n} ✓` };
    this.commenting.set(post.id, (this.commenting.get(post.id) ?? 0) + 1);
    try {
      const res = await this.blog.comment(post.id, body);
      if (res.status !== 201) return this.unexpect(`comment on ${post.id}`, res);
      post.comments.set((res.body as { id: string }).id, body);
      post.touched = true;
      this.acks.push({ op: 'comment', at: Date.now() });
    } finally {
      this.commenting.set(post.id, this.commenting.get(post.id)! - 1);
    }
  }

  private async remove(): Promise<void> {
    const post = this.target((id) => !this.commenting.get(id));
    if (!post) return;
    this.deleting.add(post.id);
    const res = await this.blog.delete(post.id);
    if (res.status !== 200) return this.unexpect(`delete ${post.id}`, res);
    post.deleted = true;
    post.touched = true;
    this.live.splice(this.live.indexOf(post.id), 1);
    this.deleting.delete(post.id);
    this.acks.push({ op: 'delete', at: Date.now() });
  }

  private unexpect(what: string, res: Answer): void {
    this.unexpected.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  }
}

interface Answer {
  status: number;
  body: unknown;
}
