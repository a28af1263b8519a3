import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { SignInRequiredException } from '../common/errors/sign-in-required';
import { cameThroughOpsPort } from '../common/http/ops-port';
import { ACCESS_RULE, AccessRule } from './access';
import { CSRF_FIELD, CSRF_HEADER, tokensMatch } from './csrf-tokens';
import { isMetricsScraper } from './metrics-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const FOREIGN_ORIGIN_MESSAGE = 'This form was sent from another site; nothing was changed.';
export const BAD_CSRF_MESSAGE =
  'This form has expired or was not sent from this site; reload the page and try again. Nothing was changed.';
export const FORBIDDEN_MESSAGE = 'Your account may not do this; nothing was changed.';

/** True when the request names an Origin that is not this host (`null` included). */
export function foreignOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/**
 * Global guard: the route's access rule (a route with none is refused: fail closed), then, for
 * every write not made with a bearer token, the Origin and the CSRF token (`_csrf` field or
 * X-CSRF-Token header). The `_csrf` field is removed before the body is validated.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const declared = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context.switchToHttp().getRequest<Request>();
    // METRICS_TOKEN reads the metrics only (AuthMiddleware marks it on /metrics alone)
    if (declared === 'metrics' && isMetricsScraper(req) && SAFE_METHODS.has(req.method)) {
      return true;
    }
    const rule = declared === 'metrics' ? 'operator' : declared;
    const res = context.switchToHttp().getResponse<Response>();
    if (!rule) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} has no @Access`);
      throw new ForbiddenException(FORBIDDEN_MESSAGE);
    }
    const viewer = req.viewer;
    // the ops listener serves only reads (GET) of operator routes; it is trusted as the network is
    if (rule === 'operator' && cameThroughOpsPort(req) && SAFE_METHODS.has(req.method)) return true;
    if (rule !== 'public' && !viewer) throw new SignInRequiredException(req.path);
    if ((rule === 'admin' || rule === 'operator') && viewer?.account.role !== 'admin') {
      throw new ForbiddenException(FORBIDDEN_MESSAGE);
    }
    const body = req.body as Record<string, unknown> | undefined;
    if (!SAFE_METHODS.has(req.method) && viewer?.via !== 'token') {
      if (foreignOrigin(req)) throw new ForbiddenException(FOREIGN_ORIGIN_MESSAGE);
      const sent = body?.[CSRF_FIELD] ?? req.headers[CSRF_HEADER];
      if (!tokensMatch(sent, res.locals.csrfToken as string | undefined)) {
        throw new ForbiddenException(BAD_CSRF_MESSAGE);
      }
    }
    if (body && typeof body === 'object') delete body[CSRF_FIELD];
    return true;
  }
}
