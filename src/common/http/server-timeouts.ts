import { Server } from 'node:http';

export interface ServerTimeouts {
  /** idle time before a keep-alive connection is closed */
  keepAliveTimeoutMs: number;
  /** time to receive a request's headers (above keepAliveTimeoutMs) */
  headersTimeoutMs: number;
  /** time to receive a whole request; 0 = no limit */
  requestTimeoutMs: number;
}

/**
 * Sets an HTTP server's timeouts (HTTP_KEEP_ALIVE_TIMEOUT, HTTP_HEADERS_TIMEOUT,
 * HTTP_REQUEST_TIMEOUT). Node's own keepAliveTimeout is 5 s: a client or load balancer that
 * reuses an idle connection just as the server closes it gets "other side closed" on a good
 * request. Set before listen(); Node reads them per connection and per check.
 */
export function applyServerTimeouts(server: Server, timeouts: ServerTimeouts): void {
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
}
