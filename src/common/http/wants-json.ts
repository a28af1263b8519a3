import { Request } from 'express';

/**
 * True when the answer should be JSON: everything under /api, the /health probe (machines read
 * it, and its 503 body names the failing store), /metrics' refusals (a scraper must see its 401,
 * not follow a redirect to the sign-in page), and any client that prefers JSON to HTML in its
 * Accept header. A browser (text/html) or a client that sends no Accept header gets HTML.
 */
export function wantsJson(req: Request): boolean {
  const path = req.path ?? '';
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/health')) return true;
  if (path === '/metrics') return true;
  return req.accepts(['html', 'json']) === 'json';
}
