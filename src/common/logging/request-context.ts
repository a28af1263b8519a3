import { NextFunction, Request, Response } from 'express';
import { Logger } from 'pino';
import { Store, storage } from 'nestjs-pino/storage';

/** nestjs-pino's per-request store, which also remembers the request's id for non-log uses. */
class RequestStore extends Store {
  constructor(
    logger: Logger,
    readonly requestId: string,
  ) {
    super(logger);
  }
}

/** What httpLogging hangs on a request (pino-http's typings say always; a test app may lack it). */
interface LoggedRequest {
  id?: unknown;
  log?: Logger;
}

/** The id of the request this code runs for (async calls included), or undefined outside one. */
export function currentRequestId(): string | undefined {
  const store = storage.getStore();
  return store instanceof RequestStore ? store.requestId : undefined;
}

/** The id the request logging gave this request (see httpLogging), if it ran. */
export function requestIdOf(req: Request): string | undefined {
  const id = (req as unknown as LoggedRequest).id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Runs `work` in the request's logging context: every Nest `Logger` line it writes carries the
 * request id, and currentRequestId() answers it. Already inside one, or for a request the
 * logging never saw, `work` just runs.
 */
export function inRequestContext<T>(req: Request, work: () => T): T {
  const { log } = req as unknown as LoggedRequest;
  const id = requestIdOf(req);
  if (storage.getStore() || !log || id === undefined) return work();
  return storage.run(new RequestStore(log, id), work);
}

/**
 * Express middleware that runs the rest of the request in its logging context. Registered after
 * the body parsers: they read the body in stream callbacks, which would lose the context.
 */
export function bindRequestContext(req: Request, _res: Response, next: NextFunction): void {
  inRequestContext(req, next);
}
