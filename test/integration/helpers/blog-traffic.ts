import { Test } from 'supertest';
import { Role } from '../../../src/store/account-store';
import { BlogClient } from './blog-client';
import { Dataset } from './migration';
import { Spread } from './spread';

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

/** What a client was last told about an account it created or changed (POST /api/users, /admin/users). */
export interface AckedAccount {
  id: string;
  username: string;
  name: string;
  role: Role;
  disabled: boolean;
}

export type WriteOp =
  'create' | 'edit' | 'comment' | 'delete' | 'account-create' | 'account-change';
/** `/`, `/post/:id`, `/api/posts` and `/api/posts/:id` */
export type ReadOp = 'home' | 'page' | 'list' | 'get';

export interface TrafficOptions {
  /** the share of operations that are reads (default 0: writes only) */
  reads?: number;
  /** a request slower than this fails (default 60 s) */
  timeoutMs?: number;
  /**
   * at most this many operations per second over all workers (default: as fast as the
   * workers go), so every phase gets the same load rather than what its stores sustain
   */
  rate?: number;
  /**
   * the share of writes that create an account or change one (role, disable, enable) through
   * the admin's JSON routes (default 0: posts and comments only)
   */
  accounts?: number;
}

/** Every traffic account's password: the service hashes it (scrypt), nobody signs in with it. */
export const TRAFFIC_PASSWORD = 'traffic password 1';

const pick = <T>(items: readonly T[]): T | undefined =>
  items.length ? items[Math.floor(Math.random() * items.length)] : undefined;
const TITLE_STARTS = ['Alpha', 'Émile', 'beta', 'Zed', '9 lives', 'Ökonomie', 'ünder', 'Quiet'];
const SORTS = ['newest', 'oldest', 'title', 'title-desc'];

/**
 * Writes (create, edit, comment, delete) and, if asked, reads through the blog's HTTP API with a
 * few concurrent workers, spread over one or more app instances (one BlogClient each), on the
 * pre-existing posts and on its own, and records every acknowledged write. Edits of one post may
 * race each other and a deletion (the highest acknowledged version wins); a post is only deleted
 * while no comment on it is in flight, so "acknowledged" stays exact. Posts are written as each
 * client's writer (their author is its display name); half the comments too, the other half
 * anonymously under a typed name. With `accounts`, some writes create accounts (POST /api/users)
 * or change one (role, disable, enable), one write per account at a time.
 *
 * A read of a post no write touched while it ran ("quiet") must show exactly what was last
 * acknowledged (content, version, comments, or its absence); anything else is a stale read.
 */
export class BlogTraffic {
  readonly posts = new Map<string, AckedPost>();
  /** the accounts the traffic created, by id, as last acknowledged */
  readonly accounts = new Map<string, AckedAccount>();
  /** acknowledged writes, with when they were acknowledged */
  readonly acks: { op: WriteOp; at: number }[] = [];
  /**
   * every request with when it ended, whether its answer was one a client may get, its status
   * (none when no answer came) and, for an answer that was not, the message of its JSON body
   */
  readonly requests: {
    op: WriteOp | ReadOp | 'read';
    at: number;
    ms: number;
    ok: boolean;
    status?: number;
    message?: string;
  }[] = [];
  /** answers no client should get (anything but 2xx, or 404/409 where a race explains them) */
  readonly unexpected: string[] = [];
  /** quiet reads that did not show the last acknowledged state */
  readonly stale: string[] = [];
  /** quiet reads compared with the last acknowledged state */
  quietReads = 0;
  /**
   * Posts a write to which got no clean answer (a failure, a timeout, a dropped connection): it
   * may or may not have been applied, so they are written to and read no more, and an end check
   * can leave them out (see FaultFleet). `uncertainCreates`: creations so answered (ids unknown).
   */
  readonly uncertain = new Set<string>();
  uncertainCreates = 0;
  private clients: BlogClient[];
  private readonly live: string[] = [];
  private readonly commenting = new Map<string, number>();
  private readonly deleting = new Set<string>();
  /** writes in flight per post, and how often one started or ended (reads compare both) */
  private readonly writing = new Map<string, number>();
  private readonly changes = new Map<string, number>();
  private readonly deleted: string[] = [];
  private running?: Promise<void[]>;
  private stopped = false;
  private n = 0;
  private turn = 0;
  private nextSlot = 0;
  /** which operation comes next, and per operation whether it targets a pre-existing post */
  private readonly mix = new Spread();
  private readonly targets = new Map<WriteOp | 'read', Spread>();
  private readonly accountMix = new Spread();
  /** accounts with a write in flight: one at a time each, so "acknowledged" stays exact */
  private readonly accountBusy = new Set<string>();

  constructor(
    blog: BlogClient | readonly BlogClient[],
    existing: Dataset,
    private readonly options: TrafficOptions = {},
  ) {
    this.clients = Array.isArray(blog) ? [...blog] : [blog as BlogClient];
    for (const p of existing.posts) {
      this.add({ ...p, preexisting: true, touched: false, deleted: false, comments: new Map() });
    }
    for (const c of existing.comments) {
      this.posts.get(c.postId)?.comments.set(c.id, { commenter: c.commenter, comment: c.comment });
    }
  }

  /** Starts `workers` loops (again after stop(): the acknowledged state carries on). */
  start(workers: number): void {
    this.stopped = false;
    this.running = Promise.all(Array.from({ length: workers }, () => this.work()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Sends nothing more to `client` (an instance that died: a load balancer takes it out). */
  withdraw(client: BlogClient): void {
    this.clients = this.clients.filter((c) => c !== client);
  }

  ackedBetween(from: number, to: number): number {
    return this.acks.filter((a) => a.at >= from && a.at <= to).length;
  }

  private add(post: AckedPost): void {
    this.posts.set(post.id, post);
    this.live.push(post.id);
  }

  /** The next instance, round robin. */
  private next(): BlogClient {
    return this.clients[this.turn++ % this.clients.length];
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      await this.pace();
      const reads = this.options.reads ?? 0;
      const r = this.mix.next();
      if (r < reads) await this.guard('read', () => this.read());
      else {
        const accounts = this.options.accounts ?? 0;
        const a = (r - reads) / (1 - reads);
        const w = (a - accounts) / (1 - accounts);
        if (a < accounts) await this.accountWrite();
        else if (w < 0.15) await this.guard('create', () => this.create());
        else if (w < 0.5) await this.guard('edit', () => this.edit());
        else if (w < 0.9) await this.guard('comment', () => this.comment());
        else await this.guard('delete', () => this.remove());
      }
    }
  }

  /** Waits for this operation's slot when a rate is set. */
  private async pace(): Promise<void> {
    if (!this.options.rate) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.options.rate;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  /** A request that got no answer (timeout, connection reset) is a failure too. */
  private async guard(what: WriteOp | 'read', op: () => Promise<void>): Promise<void> {
    const started = Date.now();
    try {
      await op();
    } catch (error) {
      this.requests.push({ op: what, at: Date.now(), ms: Date.now() - started, ok: false });
      this.unexpected.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async send(request: Test): Promise<Answer> {
    const started = Date.now();
    const res = await request.timeout(this.options.timeoutMs ?? 60_000);
    return { status: res.status, body: res.body as unknown, ms: Date.now() - started };
  }

  /** A live post, pre-existing two times in three (per operation) while there are any. */
  private target(
    op: WriteOp | 'read',
    ok: (id: string) => boolean = () => true,
  ): AckedPost | undefined {
    if (!this.targets.has(op)) this.targets.set(op, new Spread());
    const preexisting = this.targets.get(op)!.next() < 0.67;
    const candidates = this.live.filter((id) => {
      const post = this.posts.get(id)!;
      return post.preexisting === preexisting && this.open(id) && ok(id);
    });
    const id = pick(candidates) ?? pick(this.live.filter((i) => this.open(i) && ok(i)));
    return id ? this.posts.get(id) : undefined;
  }

  /** Neither being deleted nor left in doubt by a failed write. */
  private open(id: string): boolean {
    return !this.deleting.has(id) && !this.uncertain.has(id);
  }

  /** A post body: the author is not in it (it is the writer's display name). */
  private content() {
    const i = ++this.n;
    return {
      title: `${pick(TITLE_STARTS)} traffic ${i}`,
      content: `Traffic content ${i}\nwith a second line ${Math.random()}`,
    };
  }

  /** Marks a write on `id` as running until `write` ends, so reads know the post moved. */
  private async writingTo<T>(id: string, write: () => Promise<T>): Promise<T> {
    const bump = (by: number) => {
      this.writing.set(id, (this.writing.get(id) ?? 0) + by);
      this.changes.set(id, (this.changes.get(id) ?? 0) + 1);
    };
    bump(1);
    try {
      return await write();
    } catch (error) {
      this.uncertain.add(id); // no answer: applied or not, nobody knows
      throw error;
    } finally {
      bump(-1);
    }
  }

  private done(op: WriteOp | ReadOp, res: Answer, ok = true): void {
    const message = ok ? undefined : (res.body as { message?: unknown } | undefined)?.message;
    this.requests.push({
      op,
      at: Date.now(),
      ms: res.ms,
      ok,
      status: res.status,
      ...(typeof message === 'string' && { message }),
    });
  }

  private ack(op: WriteOp, res: Answer): void {
    this.done(op, res);
    this.acks.push({ op, at: Date.now() });
  }

  private async create(): Promise<void> {
    const body = this.content();
    const client = this.next();
    const res = await this.send(client.create(body)).catch((error: unknown) => {
      this.uncertainCreates++;
      throw error;
    });
    if (res.status !== 201) {
      this.uncertainCreates++;
      return this.unexpect('create', res, 'create');
    }
    const id = (res.body as { id: string }).id;
    this.add({
      id,
      ...body,
      author: client.writer.name,
      preexisting: false,
      touched: true,
      deleted: false,
      comments: new Map(),
    });
    this.ack('create', res);
  }

  private async edit(): Promise<void> {
    const post = this.target('edit');
    if (!post) return;
    const body = this.content();
    const res = await this.writingTo(post.id, () => this.send(this.next().edit(post.id, body)));
    if (res.status === 404 && (post.deleted || this.deleting.has(post.id))) {
      return this.done('edit', res); // raced a delete
    }
    if (res.status !== 200) return this.unexpectOn(post, `edit ${post.id}`, res, 'edit');
    const { version } = res.body as { version: number };
    // an edit keeps the post's author (and owner)
    if (post.version === undefined || version > post.version) {
      Object.assign(post, body, { version });
    }
    post.touched = true;
    this.ack('edit', res);
  }

  private async comment(): Promise<void> {
    const post = this.target('comment');
    if (!post) return;
    // every other comment is the writer's (under its display name), the rest anonymous readers'
    const n = ++this.n;
    const client = this.next();
    const signedIn = n % 2 === 0;
    const body = {
      commenter: signedIn ? client.writer.name : `Reader ${n % 11}`,
      comment: `Comment ${n} ✓`,
    };
    this.commenting.set(post.id, (this.commenting.get(post.id) ?? 0) + 1);
    try {
      const res = await this.writingTo(post.id, () =>
        this.send(
          signedIn
            ? client.commentSignedIn(post.id, { comment: body.comment })
            : client.comment(post.id, body),
        ),
      );
      if (res.status !== 201) {
        return this.unexpectOn(post, `comment on ${post.id}`, res, 'comment');
      }
      post.comments.set((res.body as { id: string }).id, body);
      post.touched = true;
      this.ack('comment', res);
    } finally {
      this.commenting.set(post.id, this.commenting.get(post.id)! - 1);
    }
  }

  private async remove(): Promise<void> {
    const post = this.target('delete', (id) => !this.commenting.get(id));
    if (!post) return;
    this.deleting.add(post.id);
    const res = await this.writingTo(post.id, () => this.send(this.next().delete(post.id)));
    if (res.status !== 200) return this.unexpectOn(post, `delete ${post.id}`, res, 'delete');
    post.deleted = true;
    post.touched = true;
    this.live.splice(this.live.indexOf(post.id), 1);
    this.deleted.push(post.id);
    this.deleting.delete(post.id);
    this.ack('delete', res);
  }

  /** Creates an account two times in five (always while there is none free), else changes one. */
  private async accountWrite(): Promise<void> {
    const free = [...this.accounts.values()].filter((a) => !this.accountBusy.has(a.id));
    const account = pick(free);
    if (!account || this.accountMix.next() < 0.4) {
      return this.guard('account-create', () => this.createAccount());
    }
    this.accountBusy.add(account.id);
    try {
      await this.guard('account-change', () => this.changeAccount(account));
    } finally {
      this.accountBusy.delete(account.id);
    }
  }

  private async createAccount(): Promise<void> {
    const i = ++this.n;
    const body = {
      username: `traffic.${i}`,
      name: `Écrivain ${i}`,
      role: i % 4 === 0 ? 'admin' : 'author',
      password: TRAFFIC_PASSWORD,
    };
    const res = await this.send(this.next().createAccount(body));
    if (res.status !== 201)
      return this.unexpect(`create account ${body.username}`, res, 'account-create');
    const id = (res.body as { id: string }).id;
    const { username, name } = body;
    this.accounts.set(id, { id, username, name, role: body.role as Role, disabled: false });
    this.ack('account-create', res);
  }

  /** By turns: the role changed, then disabled, then enabled again. */
  private async changeAccount(account: AckedAccount): Promise<void> {
    const turn = ++this.n % 3;
    const role: Role = account.role === 'admin' ? 'author' : 'admin';
    const change = turn === 0 ? { role } : account.disabled ? 'enable' : 'disable';
    const res = await this.send(this.next().changeAccount(account.username, change));
    const what = `${typeof change === 'string' ? change : `role ${role}`} ${account.username}`;
    if (res.status !== 200) return this.unexpect(what, res, 'account-change');
    if (typeof change === 'string') account.disabled = change === 'disable';
    else account.role = role;
    this.ack('account-change', res);
  }

  private async read(): Promise<void> {
    const r = Math.random();
    if (r < 0.2) {
      const res = await this.send(this.next().get(`/?sort=${pick(SORTS)}`));
      if (res.status !== 200) return this.unexpect('GET /', res, 'home');
      return this.done('home', res);
    }
    if (r < 0.4) {
      const res = await this.send(this.next().get(`/api/posts?sort=${pick(SORTS)}&limit=20`));
      const items = (res.body as { items?: { id: string }[] }).items;
      if (res.status !== 200 || !Array.isArray(items)) {
        return this.unexpect('GET /api/posts', res, 'list');
      }
      return this.done('list', res);
    }
    // one post in ten read is one the clients deleted: it must stay gone
    const id =
      Math.random() < 0.1 && this.deleted.length ? pick(this.deleted) : this.target('read')?.id;
    if (!id) return;
    await this.readPost(id, r < 0.6 ? 'page' : 'get');
  }

  /** A post as a page or as JSON: a 404 only for a post deleted meanwhile, else what was acked. */
  private async readPost(id: string, op: 'page' | 'get'): Promise<void> {
    const post = this.posts.get(id)!;
    const before = this.changes.get(id) ?? 0;
    const quietAtStart = !this.writing.get(id);
    const path = op === 'page' ? `/post/${id}` : `/api/posts/${id}`;
    const res = await this.send(this.next().get(path));
    const quiet = quietAtStart && !this.writing.get(id) && (this.changes.get(id) ?? 0) === before;
    if (res.status === 404) {
      if (post.deleted && quiet) this.quietReads++;
      if (post.deleted || !quiet) return this.done(op, res);
      return this.unexpect(`GET ${path} (acked, not deleted)`, res, op);
    }
    if (res.status !== 200) return this.unexpect(`GET ${path}`, res, op);
    this.done(op, res);
    if (!quiet) return;
    this.quietReads++;
    if (post.deleted) {
      this.stale.push(`GET ${path}: deleted post is there (${Date.now()})`);
      return;
    }
    if (op === 'get') this.checkRead(path, post, res.body as PostJson);
  }

  private checkRead(path: string, post: AckedPost, got: PostJson): void {
    const want = { title: post.title, author: post.author, content: post.content };
    const has = { title: got.title, author: got.author, content: got.content };
    const problems: string[] = [];
    if (JSON.stringify(want) !== JSON.stringify(has)) problems.push(JSON.stringify(has));
    if (post.version !== undefined && got.version !== post.version) {
      problems.push(`version ${got.version}, acked ${post.version}`);
    }
    // the first page holds up to 100 comments: compare them all when that is every comment
    if (post.comments.size < 100 && !got.nextComments) {
      const ids = got.comments.map((c) => c.id).sort();
      const acked = [...post.comments.keys()].sort();
      if (JSON.stringify(ids) !== JSON.stringify(acked)) {
        problems.push(`${ids.length} comments, acked ${acked.length}`);
      }
    }
    if (problems.length > 0) {
      this.stale.push(`GET ${path}: ${problems.join('; ')} (${Date.now()})`);
    }
  }

  /** A write to `post` answered with an error: applied or not, it is in doubt from now on. */
  private unexpectOn(post: AckedPost, what: string, res: Answer, op: WriteOp): void {
    this.uncertain.add(post.id);
    this.unexpect(what, res, op);
  }

  private unexpect(what: string, res: Answer, op: WriteOp | ReadOp): void {
    this.done(op, res, false);
    this.unexpected.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  }
}

interface PostJson {
  title: string;
  author: string;
  content: string;
  version: number;
  comments: { id: string }[];
  nextComments: string | null;
}

interface Answer {
  status: number;
  body: unknown;
  ms: number;
}
