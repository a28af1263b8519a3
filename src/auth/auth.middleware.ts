import { Injectable, NestMiddleware, UnauthorizedException } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { CredentialsService } from '../accounts/credentials.service';
import { AppConfig } from '../config/app-config';
import {
  SESSION_COOKIE,
  VISITOR_COOKIE,
  clearSessionCookie,
  readCookie,
  setVisitorCookie,
} from './cookies';
import { CsrfTokens } from './csrf-tokens';
import {
  isMetricsScraper,
  isMetricsToken,
  markMetricsScraper,
  METRICS_PATH,
} from './metrics-token';
import { Viewer, viewerView } from './viewer';

const BEARER = /^Bearer +([A-Za-z0-9._-]{1,200})$/;
const VISITOR_VALUE = /^[A-Za-z0-9_-]{43}$/;

export const BAD_TOKEN_MESSAGE =
  'The bearer token is not valid: unknown, revoked, or its account is disabled.';

/**
 * Says who every request acts for (`req.viewer`): a bearer token (JSON clients; a bad one is a
 * 401 at once, never a silent anonymous request; METRICS_TOKEN on `/metrics` is nobody, marked
 * as the metrics scraper for AccessGuard), else the session cookie (an ended or expired
 * one is cleared), else nobody. Also gives the page its CSRF token (`res.locals.csrfToken`,
 * bound to the session or to the visitor cookie it sets) and what the header shows.
 */
@Injectable()
export class AuthMiddleware implements NestMiddleware {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly csrf: CsrfTokens,
    private readonly config: AppConfig,
  ) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const viewer = await this.viewerOf(req, res);
    req.viewer = viewer;
    res.locals.viewer = viewerView(viewer);
    if (viewer?.via === 'session') {
      res.locals.csrfToken = this.csrf.forSession(viewer.credential.id);
    } else if (!viewer && !isMetricsScraper(req)) {
      let visitor = readCookie(req, VISITOR_COOKIE);
      if (!visitor || !VISITOR_VALUE.test(visitor)) {
        visitor = randomBytes(32).toString('base64url');
        setVisitorCookie(req, res, visitor);
      }
      res.locals.csrfToken = this.csrf.forVisitor(visitor);
    }
    next();
  }

  private async viewerOf(req: Request, res: Response): Promise<Viewer | undefined> {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const token = BEARER.exec(authorization)?.[1];
      // a Prometheus server reading /metrics with METRICS_TOKEN: nobody, but let through there
      if (
        token &&
        pathOf(req) === METRICS_PATH &&
        isMetricsToken(token, this.config.metricsToken)
      ) {
        markMetricsScraper(req);
        return undefined;
      }
      const found = token ? await this.credentials.resolveToken(token) : null;
      if (!found) throw new UnauthorizedException({ statusCode: 401, message: BAD_TOKEN_MESSAGE });
      return { ...found, via: 'token' };
    }
    const session = readCookie(req, SESSION_COOKIE);
    if (!session) return undefined;
    const found = await this.credentials.resolveSession(decoded(session));
    if (found) return { ...found, via: 'session' };
    clearSessionCookie(req, res);
    return undefined;
  }
}

/** The path as the client sent it (not relative to where the middleware is mounted). */
function pathOf(req: Request): string {
  return req.originalUrl.split('?')[0];
}

/** A cookie value as sent; a malformed escape (a hostile cookie) is no session, never a 500. */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return '';
  }
}
