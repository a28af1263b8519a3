/** A request of the steady load: what it was, when it ended, how long it took, how it went. */
interface Sample {
  at: number;
  ms: number;
  ok: boolean;
}

interface OwnPost {
  id: string;
  createdAt: number;
  /** the version of the last acknowledged edit (none for a post only created) */
  version?: string;
}

/** Requests, failures and the slowest answer of a stretch of the load (e.g. one step). */
export interface LoadWindow {
  requests: number;
  failed: number;
  maxMs: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TIMEOUT_MS = 120_000;
/** a post is read only once its creation is this old: the copy to the other store has landed */
const READ_AFTER_MS = 3000;

/**
 * A light, steady load on a fleet of app instances: one writer (create, comment, edit with the
 * version it last got, delete, on its own posts; signed in with `writer`, the bearer header of
 * an account, as every write must be: its posts' author and its comments' name are the account's) and one reader (a post of its own by id, or the
 * first page of the listing), each at most one request per `intervalMs`, closed loop (a slow
 * FerretDB scan delays the next request instead of piling up), round robin over the instances.
 * Any answer but the expected status (or a 404 of a post the writer deleted meanwhile) is a
 * failure, kept with its time, route and body.
 */
export class SteadyLoad {
  readonly samples: Sample[] = [];
  readonly failures: string[] = [];
  private readonly live: OwnPost[] = [];
  private readonly deleted = new Set<string>();
  private running?: Promise<void[]>;
  private stopped = false;
  private turn = 0;
  private n = 0;

  constructor(
    private readonly urls: readonly string[],
    /** the writes' `Authorization: Bearer <token>` header (see benchWriterHeaders) */
    private readonly writer: Record<string, string>,
    /** false: no deletes (see BENCH_LOAD_DELETES in runbook.bench.ts) */
    private readonly deletes = true,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.running = Promise.all([this.loop(() => this.write()), this.loop(() => this.read())]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** The samples that ended in [from, to). */
  window(from: number, to = Date.now()): LoadWindow {
    const inside = this.samples.filter((s) => s.at >= from && s.at < to);
    return {
      requests: inside.length,
      failed: inside.filter((s) => !s.ok).length,
      maxMs: inside.reduce((max, s) => Math.max(max, s.ms), 0),
    };
  }

  private async loop(op: () => Promise<void>): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      await op();
      await pause(Math.max(0, this.intervalMs - (Date.now() - started)));
    }
  }

  private async request(
    label: string,
    path: string,
    expect: number,
    body?: object,
    allow?: (status: number) => boolean,
  ): Promise<unknown> {
    const url = this.urls[this.turn++ % this.urls.length] + path;
    const started = Date.now();
    let status = 0;
    let text = '';
    try {
      const res = await fetch(url, {
        method: body ? 'POST' : 'GET',
        headers: body
          ? { Accept: 'application/json', 'Content-Type': 'application/json', ...this.writer }
          : { Accept: 'application/json' },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      text = (error as Error).message;
    }
    const ok = status === expect || (allow?.(status) ?? false);
    this.samples.push({ at: Date.now(), ms: Date.now() - started, ok });
    if (!ok) {
      this.failures.push(
        `${new Date().toISOString()} ${label} ${url} → ${status || 'no answer'} ${text.slice(0, 300)}`,
      );
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  private async write(): Promise<void> {
    const i = ++this.n;
    const r = Math.random();
    const post = this.live[Math.floor(Math.random() * this.live.length)];
    if (!post || this.live.length < 3 || r < 0.3) {
      const body = { title: `Runbook post ${i}`, content: `Body ${i}` };
      const made = (await this.request('create', '/create', 201, body)) as { id?: string };
      if (made?.id) this.live.push({ id: made.id, createdAt: Date.now() });
    } else if (r < 0.6) {
      // signed in: the commenter is the account's name, so the body names none
      await this.request('comment', `/post/${post.id}/comment`, 201, { comment: `Comment ${i}` });
    } else if (r < 0.9 || !this.deletes) {
      const body = {
        title: `Runbook post ${post.id.slice(-6)} edit ${i}`,
        content: `Edited body ${i}`,
        ...(post.version && { version: post.version }),
      };
      const edited = (await this.request('edit', `/edit/${post.id}`, 200, body)) as {
        version?: string | number;
      };
      if (edited?.version !== undefined) post.version = String(edited.version);
    } else {
      this.live.splice(this.live.indexOf(post), 1);
      this.deleted.add(post.id);
      await this.request('delete', `/delete/${post.id}`, 200, {});
    }
  }

  private async read(): Promise<void> {
    const settled = this.live.filter((p) => Date.now() - p.createdAt >= READ_AFTER_MS);
    const post = settled[Math.floor(Math.random() * settled.length)];
    if (!post || Math.random() < 0.2) {
      await this.request('list', '/api/posts?limit=5', 200);
      return;
    }
    await this.request('get', `/api/posts/${post.id}`, 200, undefined, (status) => {
      return status === 404 && this.deleted.has(post.id);
    });
  }
}
