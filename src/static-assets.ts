import { NestExpressApplication } from '@nestjs/platform-express';
import { Response } from 'express';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const STATIC_PREFIX = '/static/';
const STYLESHEET = 'site.css';
const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Serves public/ under /static/ (the stylesheet: a strict CSP allows no inline style) and gives
 * the layout the stylesheet's version, a hash of its content (`?v=<hash>`). A request naming the
 * current version may be cached for a year (a new deploy changes the URL); any other (no or an old
 * `v`) for 5 minutes, so a stale copy cannot outlive a deploy by long.
 */
export function serveStaticAssets(app: NestExpressApplication, root: string): void {
  const dir = join(root, 'public');
  const version = createHash('sha256')
    .update(readFileSync(join(dir, STYLESHEET)))
    .digest('hex')
    .slice(0, 12);
  // the layout links /static/site.css?v={{stylesheetVersion}}
  app.setLocal('stylesheetVersion', version);
  app.useStaticAssets(dir, {
    prefix: STATIC_PREFIX,
    index: false,
    redirect: false,
    setHeaders: (res: Response) => {
      const current = res.req.query.v === version;
      res.setHeader(
        'Cache-Control',
        current ? `public, max-age=${YEAR_SECONDS}, immutable` : 'public, max-age=300',
      );
    },
  });
}
