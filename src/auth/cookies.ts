import { Request, Response } from 'express';

/** The signed-in session: `<credential id>.<secret>`. */
export const SESSION_COOKIE = 'sid';
/** An anonymous visitor's random value, which their forms' CSRF tokens are bound to. */
export const VISITOR_COOKIE = 'visitor';

/** A cookie's value from the Cookie header, or undefined (no cookie-parser needed for two). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it), Secure over TLS. */
function options(req: Request) {
  return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure: req.secure };
}

export function setSessionCookie(req: Request, res: Response, value: string, maxAgeMs: number) {
  res.cookie(SESSION_COOKIE, value, { ...options(req), maxAge: maxAgeMs });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, options(req));
}

/** Lasts as long as the browser session: a form older than that asks for a reload. */
export function setVisitorCookie(req: Request, res: Response, value: string): void {
  res.cookie(VISITOR_COOKIE, value, options(req));
}
