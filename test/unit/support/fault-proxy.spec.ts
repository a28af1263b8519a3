import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';
import { FaultProxy } from '../../support/fault-proxy';

/** An echo server that counts the connections it got. */
async function echoServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  server.on('close', () => sockets.forEach((socket) => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A client of the proxy that collects what it gets back and how it ended. */
class Client {
  readonly socket: Socket;
  received = '';
  error?: NodeJS.ErrnoException;
  closed = false;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.socket.setEncoding('utf8');
    this.socket.on('data', (text: string) => (this.received += text));
    this.socket.on('error', (error) => (this.error = error));
    this.socket.on('close', () => (this.closed = true));
  }

  /** Sends `text` and resolves with ms until all of it came back (rejects after `withinMs`). */
  async roundTrip(text: string, withinMs = 5000): Promise<number> {
    const started = Date.now();
    this.socket.write(text);
    while (!this.received.endsWith(text)) {
      if (Date.now() - started > withinMs) {
        throw new Error(`no echo of ${JSON.stringify(text)} within ${withinMs} ms`);
      }
      if (this.closed) throw new Error(`closed (${this.error?.code ?? 'no error'})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return Date.now() - started;
  }

  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return this.closed;
  }
}

describe('FaultProxy (test support), against a local echo server', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: FaultProxy;
  const clients: Client[] = [];
  const client = async () => {
    const c = new Client(proxy.port);
    clients.push(c);
    await c.connected;
    return c;
  };

  beforeEach(async () => {
    echo = await echoServer();
    proxy = new FaultProxy('127.0.0.1', echo.port);
    await proxy.start();
  });

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.socket.destroy());
    await proxy.close();
    await new Promise((resolve) => echo.server.close(resolve));
  });

  it('forwards both ways, in order, and counts its connections', async () => {
    const c = await client();
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
    await c.roundTrip(text);
    expect(c.received).toBe(text);
    expect(proxy.accepted).toBe(1);
    expect(proxy.open).toBe(1);
    expect(echo.connections()).toBe(1);
  });

  it('adds latency per direction, switchable at runtime, keeping the order of chunks', async () => {
    const c = await client();
    expect(await c.roundTrip('warm')).toBeLessThan(150);
    proxy.setLatency({ toTarget: 200 });
    const slowUp = await c.roundTrip('a');
    expect(slowUp).toBeGreaterThanOrEqual(195);
    proxy.setLatency({ toTarget: 0, toClient: 150 });
    const slowDown = await c.roundTrip('b');
    expect(slowDown).toBeGreaterThanOrEqual(145);
    expect(slowDown).toBeLessThan(195 + 150);

    // chunks sent while slow stay ahead of those sent after the latency was lifted
    proxy.setLatency({ toTarget: 300, toClient: 0 });
    c.socket.write('1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(proxy.heldToTarget).toBe(1);
    proxy.setLatency({ toTarget: 0 });
    await c.roundTrip('2');
    expect(c.received).toBe('warmab12');
    proxy.heal();
    expect(await c.roundTrip('fast again')).toBeLessThan(150);
  });

  it('reset: open connections get an RST at once and new ones are reset on accept', async () => {
    const c = await client();
    await c.roundTrip('hello');
    proxy.setMode('reset');
    expect(await c.closedWithin(2000)).toBe(true);
    expect(c.error?.code).toBe('ECONNRESET');
    expect(proxy.open).toBe(0);

    const late = new Client(proxy.port);
    clients.push(late);
    expect(await late.closedWithin(2000)).toBe(true);
    expect(late.error?.code).toBe('ECONNRESET');
    expect(echo.connections()).toBe(1);

    proxy.setMode('pass');
    const again = await client();
    expect(await again.roundTrip('back')).toBeLessThan(1000);
  });

  it('resetHolding: resets only the connections with a request (or an answer) held, in pass mode', async () => {
    const busy = await client();
    const idle = await client();
    await busy.roundTrip('warm');
    await idle.roundTrip('warm');
    expect(proxy.resetHolding('toTarget')).toBe(0);
    proxy.setLatency({ toTarget: 300 });
    busy.socket.write('request');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(proxy.resetHolding('toClient')).toBe(0);
    expect(proxy.resetHolding('toTarget')).toBe(1);
    expect(await busy.closedWithin(2000)).toBe(true);
    expect(busy.error?.code).toBe('ECONNRESET');
    proxy.setLatency({ toTarget: 0 });
    expect(await idle.roundTrip('still here')).toBeLessThan(1000);
    expect(proxy.mode).toBe('pass');
    expect(proxy.open).toBe(1);
  });

  it('blackhole: accepts and never answers (no RST, the target never hears of it); leaving it resets those connections', async () => {
    const open = await client();
    await open.roundTrip('before');
    proxy.setMode('blackhole');
    const swallowed = await client(); // the connect succeeds
    await expect(swallowed.roundTrip('anyone?', 400)).rejects.toThrow(/no echo/);
    await expect(open.roundTrip('still there?', 400)).rejects.toThrow(/no echo/);
    expect(swallowed.closed).toBe(false);
    expect(open.closed).toBe(false);
    expect(echo.connections()).toBe(1); // only the connection from before

    proxy.setMode('pass');
    expect(await swallowed.closedWithin(2000)).toBe(true);
    expect(await open.closedWithin(2000)).toBe(true);
    expect(swallowed.error?.code).toBe('ECONNRESET');
    const fresh = await client();
    expect(await fresh.roundTrip('and now?')).toBeLessThan(1000);
  });

  it('close: stops listening, closes every connection and drops held chunks; start() reuses the port', async () => {
    const c = await client();
    proxy.setLatency({ toTarget: 10_000 });
    c.socket.write('held for 10 s');
    const port = proxy.port;
    await proxy.close();
    expect(await c.closedWithin(2000)).toBe(true);
    expect(c.received).toBe('');
    const refused = new Client(port);
    clients.push(refused);
    expect(await refused.closedWithin(2000)).toBe(true);
    expect(refused.error?.code).toBe('ECONNREFUSED');

    expect(await proxy.start()).toBe(port);
    proxy.heal();
    const back = await client();
    expect(await back.roundTrip('again')).toBeLessThan(1000);
  });

  it('a FIN from the target reaches the client after the data ahead of it', async () => {
    const c = await client();
    proxy.setLatency({ toClient: 100 });
    c.socket.end('bye');
    expect(await c.closedWithin(3000)).toBe(true);
    expect(c.received).toBe('bye');
    expect(c.error).toBeUndefined();
  });
});
