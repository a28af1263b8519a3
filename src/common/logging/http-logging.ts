import { IncomingMessage, ServerResponse } from 'node:http';
import { Request } from 'express';
import { Logger } from 'pino';
import { pinoHttp, HttpLogger } from 'pino-http';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

/** The fields of a request's access line (never its headers, cookies, query or body). */
export interface AccessFields {
  method: string;
  /** the route's template (`/posts/:id`), or null when no route matched (a 404) */
  route: string | null;
  /** the path without its query string: a 404's route is useful, a query may hold a token */
  path: string;
  status: number;
  durationMs: number;
}

function routeOf(req: IncomingMessage): string | null {
  const { route, baseUrl } = req as Request;
  const path = (route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${baseUrl ?? ''}${path}` : null;
}

function pathOf(req: IncomingMessage): string {
  const url = (req as Request).originalUrl ?? req.url ?? '';
  return url.split('?')[0].slice(0, 512);
}

function accessFields(req: IncomingMessage, res: ServerResponse, durationMs: number): AccessFields {
  return {
    method: req.method ?? '',
    route: routeOf(req),
    path: pathOf(req),
    status: res.statusCode,
    durationMs,
  };
}

function accessMessage(fields: AccessFields): string {
  return `${fields.method} ${fields.route ?? fields.path} ${fields.status} ${fields.durationMs}ms`;
}

/**
 * The first middleware of the app: gives the request its id (requestIdFrom), answers it in
 * `X-Request-Id` before anything else can answer (a refused body, a rate limit, a 404), hangs a
 * logger bound to that id on `req.log`, and writes one access line when the response ends.
 * A 5xx is a warning: the failure itself is logged as an error where it happened (with the stack,
 * and the same request id), so one failure is one error line. Everything else, a client's
 * mistakes included, is info.
 */
export function httpLogging(root: Logger): HttpLogger {
  return pinoHttp({
    logger: root,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    // req.log carries the id alone: the request object (headers, cookies) is never logged
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessObject: (req, res, logged: { responseTime: number }) =>
      accessFields(req, res, logged.responseTime),
    customErrorObject: (req, res, _error, logged: { responseTime: number }) =>
      accessFields(req, res, logged.responseTime),
    customSuccessMessage: (req, res, durationMs) =>
      accessMessage(accessFields(req, res, durationMs)),
    // pino-http passes the duration as a 4th argument its types leave out
    customErrorMessage: ((req: IncomingMessage, res: ServerResponse, _error: Error, ms: number) =>
      accessMessage(accessFields(req, res, ms))) as (
      req: IncomingMessage,
      res: ServerResponse,
      error: Error,
    ) => string,
  });
}
