import { Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { cameThroughOpsPort } from '../../../src/common/http/ops-port';
import { loadConfig } from '../../../src/config/app-config';
import { OpsServer } from '../../../src/ops/ops-server';

/** An "app" that answers with whether the request was marked as come through the ops port. */
function fakeAdapter(seen: string[]): HttpAdapterHost {
  const app = (req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.url ?? '');
    res.end(JSON.stringify({ marked: cameThroughOpsPort(req) }));
  };
  return { httpAdapter: { getInstance: () => app } } as unknown as HttpAdapterHost;
}

describe('OpsServer (the OPS_PORT listener)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('listens nowhere when OPS_PORT is unset', async () => {
    const ops = new OpsServer(loadConfig({}), fakeAdapter([]));
    await ops.onApplicationBootstrap();
    expect(ops.address()).toBeUndefined();
    await ops.onApplicationShutdown();
  });

  it('passes only the operators paths to the app, marked; everything else is 404 there', async () => {
    const seen: string[] = [];
    const ops = new OpsServer(loadConfig({ OPS_PORT: '0', PORT: '0' }), fakeAdapter(seen));
    await ops.onApplicationBootstrap();
    try {
      const address = ops.address();
      expect(address?.address).toBe('127.0.0.1');
      const base = `http://127.0.0.1:${address?.port}`;
      for (const path of ['/health', '/health/details?x=1', '/api/stats/details', '/metrics']) {
        const response = await fetch(`${base}${path}`);
        expect([path, response.status, await response.json()]).toEqual([
          path,
          200,
          { marked: true },
        ]);
      }
      for (const path of ['/', '/login', '/api/stats', '/health/details/', '/static/site.css']) {
        const response = await fetch(`${base}${path}`);
        expect([path, response.status]).toEqual([path, 404]);
      }
      expect(seen).toEqual(['/health', '/health/details?x=1', '/api/stats/details', '/metrics']);
    } finally {
      await ops.onApplicationShutdown();
    }
    expect(ops.address()).toBeUndefined();
  });

  it('applies the HTTP timeouts: an idle connection is closed after HTTP_KEEP_ALIVE_TIMEOUT', async () => {
    const env = {
      OPS_PORT: '0',
      PORT: '0',
      HTTP_KEEP_ALIVE_TIMEOUT: '1s',
      HTTP_HEADERS_TIMEOUT: '2s',
    };
    const ops = new OpsServer(loadConfig(env), fakeAdapter([]));
    await ops.onApplicationBootstrap();
    try {
      const socket = connect(ops.address()?.port as number, '127.0.0.1');
      let answered = 0;
      socket.on('data', () => (answered = answered || Date.now()));
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      await new Promise((resolve) => socket.once('close', resolve));
      expect(answered).toBeGreaterThan(0);
      // Node's own default would keep it 5 s
      expect(Date.now() - answered).toBeGreaterThanOrEqual(900);
      expect(Date.now() - answered).toBeLessThan(4_000);
    } finally {
      await ops.onApplicationShutdown();
    }
  });

  it('refuses to start on a port already taken, naming OPS_PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const ops = new OpsServer(loadConfig({ OPS_PORT: String(port) }), fakeAdapter([]));
      await expect(ops.onApplicationBootstrap()).rejects.toThrow(
        new RegExp(`^OPS_PORT: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
