import { createHash, timingSafeEqual } from 'node:crypto';
import { IncomingMessage } from 'node:http';

/** The one path METRICS_TOKEN opens; on any other it is an unknown bearer token (401). */
export const METRICS_PATH = '/metrics';

const SCRAPER = Symbol('metrics-scraper');

/**
 * True when `sent` is METRICS_TOKEN (`expected`; '' = none set, never matches). Both are hashed
 * first, so the comparison takes the same time whatever the lengths and wherever they differ.
 */
export function isMetricsToken(sent: string, expected: string): boolean {
  if (!expected) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(expected));
}

/** Marks a request that carried METRICS_TOKEN to METRICS_PATH (AuthMiddleware, once checked). */
export function markMetricsScraper(req: IncomingMessage): void {
  (req as IncomingMessage & { [SCRAPER]?: true })[SCRAPER] = true;
}

/** True when the request carried METRICS_TOKEN (never settable by anything else it sends). */
export function isMetricsScraper(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [SCRAPER]?: true })[SCRAPER] === true;
}
