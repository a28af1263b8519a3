import { ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import hbs from 'hbs';
import { AppExceptionFilter } from './common/errors/app-exception.filter';
import { projectRoot } from './common/project-root';
import { AppConfig } from './config/app-config';

/** Registers every views/partials/*.hbs synchronously, so the first request never misses one. */
function registerPartials(dir: string): void {
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(dir, file), 'utf8'));
  }
}

// A few cheap headers: no MIME sniffing, no framing by other sites, no referrer leaks.
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
}

/**
 * Everything about the HTTP app that is not a module: views, validation, headers, shutdown.
 * main.ts and the e2e tests both call this, so tests exercise the real setup.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const views = join(projectRoot(__dirname), 'views');

  app.disable('x-powered-by');
  // req.ip (rate limits, sign-in lock-out) and req.secure (the session cookie's Secure flag)
  // believe X-Forwarded-For/-Proto only from the proxies TRUST_PROXY names (default: none)
  app.set('trust proxy', app.get(AppConfig).trustProxySetting);
  app.use(securityHeaders);

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
