import { ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import hbs from 'hbs';
import { AppExceptionFilter } from './common/errors/app-exception.filter';
import { projectRoot } from './common/project-root';
import { AppConfig } from './config/app-config';
import { useNoStoreForAccounts, useSecurityHeaders } from './http-security';
import { serveStaticAssets } from './static-assets';

/** Registers every views/partials/*.hbs synchronously, so the first request never misses one. */
function registerPartials(dir: string): void {
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(dir, file), 'utf8'));
  }
}

/**
 * Everything about the HTTP app that is not a module: views, validation, headers, shutdown.
 * main.ts and the e2e tests both call this, so tests exercise the real setup.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const root = projectRoot(__dirname);
  const views = join(root, 'views');

  app.disable('x-powered-by');
  // req.ip (rate limits, sign-in lock-out) and req.secure (the session cookie's Secure flag,
  // HSTS) believe X-Forwarded-For/-Proto only from the proxies TRUST_PROXY names (default: none)
  app.set('trust proxy', app.get(AppConfig).trustProxySetting);
  // headers (helmet, CSP, HSTS over TLS), then the stylesheet, then no-store for account data
  useSecurityHeaders(app);
  serveStaticAssets(app, root);
  useNoStoreForAccounts(app);

  app.setBaseViewsDir(views);
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  registerPartials(join(views, 'partials'));
  // The footer's phase is each request's own (res.locals, see PhasePinMiddleware).

  // A post may hold 50 000 characters; URL-encoded or \u-escaped that can be ~600 kB (the
  // default limit is 100 kB). Registered before init, so Nest skips its own default parsers.
  app.useBodyParser('json', { limit: '1mb' });
  app.useBodyParser('urlencoded', { extended: true, limit: '1mb' });

  app.useGlobalFilters(new AppExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.enableShutdownHooks();
  return app;
}
