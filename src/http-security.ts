import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { SESSION_COOKIE, readCookie } from './auth/cookies';

/**
 * The Content-Security-Policy of every answer: only this origin's resources, no inline script or
 * style (the views have none: CSS is /static/site.css), forms post only here, no framing, no
 * <base> or plugin tricks.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/**
 * One year, without includeSubDomains or preload: those bind every subdomain of the host, which is
 * the operator's decision (their proxy can add them).
 */
const hsts = helmet.strictTransportSecurity({ maxAge: 365 * 24 * 3600, includeSubDomains: false });

/**
 * HSTS only on answers to requests that came over TLS: over plain HTTP browsers ignore it, and a
 * header that claims HTTPS on a plain-HTTP deployment misleads. `req.secure` believes
 * X-Forwarded-Proto only when Express's `trust proxy` says the proxy may be believed.
 */
function hstsOverTls(req: Request, res: Response, next: NextFunction): void {
  if (req.secure) hsts(req, res, next);
  else next();
}

/** Pages and answers that are one account's own: sign-in, the account and admin pages. */
const ACCOUNT_PATHS = /^\/(login|logout|account|admin|api\/users)(\/|$)/;

/**
 * `Cache-Control: no-store` on anything answered for a signed-in viewer (the header shows the
 * account; a session cookie or a bearer token), and on the account pages themselves, so no
 * browser or shared cache keeps one person's page for another. Decided from the request before
 * any handler runs, so error pages and redirects are covered too; a handler may still set a
 * stricter value.
 */
function noStoreForAccounts(req: Request, res: Response, next: NextFunction): void {
  if (
    req.headers.authorization !== undefined ||
    readCookie(req, SESSION_COOKIE) !== undefined ||
    ACCOUNT_PATHS.test(req.path)
  ) {
    res.setHeader('Cache-Control', 'no-store');
  }
  next();
}

/**
 * Response headers of every answer. helmet's defaults (nosniff, no X-Powered-By, COOP/CORP
 * same-origin, …) with a strict CSP, framing denied and same-origin referrers (as before helmet),
 * HSTS over TLS only; then no-store for account data. Registered before the static files, so the
 * stylesheet gets the same headers.
 */
export function useSecurityHeaders(app: NestExpressApplication): void {
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      strictTransportSecurity: false,
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.use(hstsOverTls);
}

/** After the static files (whose caching is their own): no-store for account data. */
export function useNoStoreForAccounts(app: NestExpressApplication): void {
  app.use(noStoreForAccounts);
}
