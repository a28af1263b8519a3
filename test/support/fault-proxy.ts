import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';

/**
 * What the proxy does with connections:
 * - `pass`: forwards both ways (with the latency set);
 * - `reset`: resets every open connection (RST) when switched on, and each new one on accept;
 * - `blackhole`: accepts and never answers; bytes sent either way are swallowed (a link that
 *   drops packets, no RST). Leaving it resets every connection open during it, as a NAT or
 *   firewall that forgot them would: a client never gets half a conversation back.
 */
export type FaultMode = 'pass' | 'reset' | 'blackhole';

/** Milliseconds added to each chunk, per direction. */
export interface Latency {
  /** client → target (a request: "slow writes") */
  toTarget: number;
  /** target → client (an answer) */
  toClient: number;
}

/** The bytes still held back in one direction before a source is paused (backpressure). */
const MAX_HELD_BYTES = 4 * 1024 * 1024;

/**
 * A small TCP proxy for tests that puts faults between the app and a real server: latency per
 * chunk and per direction, reset connections, or a black hole; every switch takes effect at
 * once, also on open connections. Bytes keep their order in each direction: a chunk leaves at
 * its arrival plus the latency, never before the one ahead of it (a slow link, not a reordering
 * one). Nothing is held without bound: past MAX_HELD_BYTES in flight a source is paused.
 */
export class FaultProxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private latency: Latency = { toTarget: 0, toClient: 0 };
  private current: FaultMode = 'pass';
  /** connections accepted since start */
  accepted = 0;
  port = 0;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** `host:port` of a `host[:port]` address (the default port when it has none). */
  static of(address: string, defaultPort: number): FaultProxy {
    const [host, port] = address.split(':');
    return new FaultProxy(host, Number(port ?? defaultPort));
  }

  get mode(): FaultMode {
    return this.current;
  }

  /** Connections open now (accepted and not closed). */
  get open(): number {
    return this.links.size;
  }

  /**
   * Chunks held back now toward the target, over every connection: with a latency, about the
   * requests sent within it (what the app really has pending on the server).
   */
  get heldToTarget(): number {
    let held = 0;
    for (const link of this.links) held += link.heldToTarget;
    return held;
  }

  /** Listens on 127.0.0.1 (the port of an earlier start again, else any free one). */
  async start(): Promise<number> {
    if (this.server) return this.port;
    // half-open: a FIN is forwarded like data, after what is ahead of it
    const server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Latency from now on (chunks already held keep their time); missing directions keep theirs. */
  setLatency(latency: Partial<Latency>): void {
    this.latency = { ...this.latency, ...latency };
  }

  setMode(mode: FaultMode): void {
    const was = this.current;
    this.current = mode;
    if (mode === 'reset' || (was === 'blackhole' && mode !== 'blackhole')) {
      for (const link of [...this.links]) link.reset();
    }
  }

  /**
   * Resets (RST) only the connections holding chunks back in `direction` now: with a latency
   * set, those carrying a request (`toTarget`) or an answer (`toClient`) in flight. The others,
   * and the proxy's mode, stay as they are. Returns how many were reset.
   */
  resetHolding(direction: keyof Latency): number {
    const holding = [...this.links].filter((link) => link.holding(direction));
    for (const link of holding) link.reset();
    return holding.length;
  }

  /** Back to a plain pipe: no latency, pass. */
  heal(): void {
    this.setLatency({ toTarget: 0, toClient: 0 });
    this.setMode('pass');
  }

  /** Stops listening and closes every connection; the port may be started again. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const link of [...this.links]) link.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.current === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const link = new Link(client, this);
    this.links.add(link);
    link.closed.then(() => this.links.delete(link)).catch(() => undefined);
  }

  /** For Link: the latency of a direction now, and whether bytes are swallowed now. */
  delayOf(direction: keyof Latency): number {
    return this.latency[direction];
  }

  swallowing(): boolean {
    return this.current === 'blackhole';
  }
}

/** One proxied connection: the client's socket and, unless it was born in a black hole, the target's. */
class Link {
  readonly closed: Promise<void>;
  private upstream?: Socket;
  private readonly lanes: Lane[] = [];
  private ended = false;
  private markClosed!: () => void;

  constructor(
    private readonly client: Socket,
    private readonly proxy: FaultProxy,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    client.on('close', (hadError) => this.onClose(hadError));
    if (proxy.swallowing()) {
      // accepted, never answered: not even the target hears of it
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect({
      port: proxy.targetPort,
      host: proxy.targetHost,
      allowHalfOpen: true,
    });
    this.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', (hadError) => this.onClose(hadError));
    this.lanes.push(
      new Lane(client, upstream, () => this.proxy.delayOf('toTarget'), proxy),
      new Lane(upstream, client, () => this.proxy.delayOf('toClient'), proxy),
    );
  }

  /**
   * A side that failed (RST) takes the other with it; one that closed cleanly has sent its FIN,
   * which its lane delivers after the data ahead of it, so the link ends once both sides did.
   */
  private onClose(hadError: boolean): void {
    if (hadError) this.reset();
    else if (this.client.destroyed && (this.upstream?.destroyed ?? true)) this.destroy();
  }

  get heldToTarget(): number {
    return this.lanes[0]?.chunks ?? 0;
  }

  holding(direction: keyof Latency): boolean {
    return (this.lanes[direction === 'toTarget' ? 0 : 1]?.chunks ?? 0) > 0;
  }

  /** RST to the client (and the target), as a crashed server or a firewall would. */
  reset(): void {
    if (this.ended) return;
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (this.upstream && !this.upstream.destroyed) this.upstream.resetAndDestroy();
    this.destroy();
  }

  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    for (const lane of this.lanes) lane.stop();
    this.client.destroy();
    this.upstream?.destroy();
    this.markClosed();
  }
}

/**
 * One direction of a link: each chunk leaves `delay()` after it arrived, never before the chunk
 * ahead of it (one queue, one timer); a FIN follows the last chunk. Swallowed while the proxy
 * is a black hole.
 */
class Lane {
  private readonly queue: { due: number; chunk?: Buffer }[] = [];
  private timer?: NodeJS.Timeout;
  private held = 0;
  private stopped = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly delay: () => number,
    private readonly proxy: FaultProxy,
  ) {
    from.on('data', (chunk: Buffer) => {
      if (this.proxy.swallowing()) return;
      this.held += chunk.length;
      if (this.held > MAX_HELD_BYTES) from.pause();
      this.push({ due: Date.now() + this.delay(), chunk });
    });
    // the FIN goes out right after the last chunk ahead of it
    from.on('end', () => this.push({ due: 0 }));
  }

  /** chunks waiting for their time */
  get chunks(): number {
    return this.queue.filter((entry) => entry.chunk).length;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private push(entry: { due: number; chunk?: Buffer }): void {
    if (this.stopped) return;
    const last = this.queue.at(-1);
    this.queue.push({ ...entry, due: Math.max(entry.due, last?.due ?? 0) });
    if (this.queue.length === 1) this.schedule();
  }

  private schedule(): void {
    const head = this.queue[0];
    if (!head || this.stopped) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - Date.now()));
  }

  private flush(): void {
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0].due <= now && !this.stopped) {
      const { chunk } = this.queue.shift()!;
      if (!chunk) {
        this.to.end();
        continue;
      }
      this.held -= chunk.length;
      this.to.write(chunk);
    }
    if (this.held <= MAX_HELD_BYTES && this.from.isPaused()) this.from.resume();
    this.schedule();
  }
}
