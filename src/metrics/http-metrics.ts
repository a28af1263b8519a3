import { NextFunction, Request, Response } from 'express';
import { BlogMetrics } from './blog-metrics';

/** The route label of a request no route of the app answered (a 404, or refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';
/** The route label of the static files (one label for every file: they are not routes). */
export const STATIC_ROUTE = 'static';

/** Methods HTTP defines; anything else a client invents is counted as `other`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route template that answered (`/post/:id`), never the URL a client sent: a label per URL
 * would let anyone grow the metrics without bound. A catch-all (a middleware bound to every path,
 * left as the route when it refused the request) is no route.
 */
export function routeLabel(req: Request, staticPrefix?: string): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string' && path !== '' && !/[*{]/.test(path)) {
    return `${req.baseUrl ?? ''}${path}`;
  }
  if (staticPrefix && req.originalUrl.startsWith(staticPrefix)) return STATIC_ROUTE;
  return UNMATCHED_ROUTE;
}

export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'other';
}

/**
 * Express middleware counting every request once, when its response has been sent (`finish`)
 * or its connection closed first (`close`, status `aborted`): errors, redirects and refusals
 * included. Registered first, so its clock starts before anything else runs. Synchronous and
 * allocation-light: it runs for every request.
 */
export function httpMetrics(metrics: BlogMetrics, options: { staticPrefix?: string } = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    let counted = false;
    const count = (status: string) => {
      if (counted) return;
      counted = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const method = methodLabel(req.method);
      const route = routeLabel(req, options.staticPrefix);
      metrics.httpRequests.inc({ method, route, status });
      metrics.httpDuration.observe({ method, route }, seconds);
    };
    res.once('finish', () => count(String(res.statusCode)));
    res.once('close', () => count('aborted'));
    next();
  };
}
