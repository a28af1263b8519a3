import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { createServer, IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { markThroughOpsPort } from '../common/http/ops-port';
import { applyServerTimeouts } from '../common/http/server-timeouts';
import { AppConfig } from '../config/app-config';

/**
 * What the ops listener serves: the operators' views (`@Access('operator')`, answered there
 * without a session), the Prometheus metrics (`@Access('metrics')`, ditto) and the public probe,
 * for load balancers on the internal network.
 */
export const OPS_PATHS: ReadonlySet<string> = new Set([
  '/health',
  '/health/details',
  '/metrics',
  '/api/stats/details',
]);

function notHere(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ statusCode: 404, message: 'Not served on the operators port.' }));
}

/**
 * With OPS_PORT set, a second HTTP listener (on OPS_HOST, loopback by default) in front of the same
 * Express app: only OPS_PATHS pass, marked as come through this port, so AccessGuard lets
 * `operator` routes answer without a session. Everything else the app does (headers, errors,
 * the phase pin) applies as on the public port. Started with the app (after its routes exist)
 * and closed with it.
 */
@Injectable()
export class OpsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OpsServer');
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { opsPort, opsHost } = this.config;
    if (opsPort === undefined) return;
    const app = this.adapterHost.httpAdapter.getInstance<RequestListener>();
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '').split('?')[0];
      if (!OPS_PATHS.has(path)) return notHere(res);
      markThroughOpsPort(req);
      app(req, res);
    });
    applyServerTimeouts(server, this.config.httpServerTimeouts);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: Error) =>
        reject(new Error(`OPS_PORT: cannot listen on ${opsHost}:${opsPort}: ${error.message}`)),
      );
      server.listen(opsPort, opsHost, () => {
        server.removeAllListeners('error');
        server.on('error', (error) => this.logger.error(`ops listener: ${error.message}`));
        resolve();
      });
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    const host = opsHost.includes(':') ? `[${opsHost}]` : opsHost;
    this.logger.log(`Operators' endpoints on http://${host}:${port} (/health/details, /metrics)`);
  }

  /** Where the listener is bound; undefined when OPS_PORT is unset. */
  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}
