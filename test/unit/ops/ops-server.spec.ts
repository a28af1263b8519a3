import { Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
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
