import { IncomingMessage } from 'node:http';

const THROUGH_OPS_PORT = Symbol('through-ops-port');

/**
 * Marks a request that arrived on the operators' port (OPS_PORT), before the app sees it. That
 * port is meant to be reachable from the internal network only, so the routes it serves
 * (`@Access('operator')`) need no session there.
 */
export function markThroughOpsPort(req: IncomingMessage): void {
  (req as IncomingMessage & { [THROUGH_OPS_PORT]?: true })[THROUGH_OPS_PORT] = true;
}

/** True when the request came in on OPS_PORT (never settable by a header or the client). */
export function cameThroughOpsPort(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [THROUGH_OPS_PORT]?: true })[THROUGH_OPS_PORT] === true;
}
