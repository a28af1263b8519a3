import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import { readFileSync, readdirSync } from 'node:fs';
import { Server } from 'node:http';
import { basename, join } from 'node:path';
import hbs from 'hbs';
import { AppExceptionFilter } from './common/errors/app-exception.filter';
import { applyServerTimeouts } from './common/http/server-timeouts';
import { projectRoot } from './common/project-root';
import { bodyParserOptions } from './common/validation/body-limits';
import { BoundedValidationPipe } from './common/validation/bounded-validation.pipe';
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
  app.use(securityHeaders);

  app.setBaseViewsDir(views);
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  registerPartials(join(views, 'partials'));
  // The footer's phase is each request's own (res.locals, see PhasePinMiddleware).

  // Bodies: sized to the largest valid form, flat forms, keys and depth counted before parsing
  // (src/common/validation/body-limits.ts); registered before init, so Nest skips its defaults.
  const config = app.get(AppConfig);
  const parsers = bodyParserOptions(config.httpBodyLimit);
  app.useBodyParser('json', parsers.json);
  app.useBodyParser('urlencoded', parsers.urlencoded);
  applyServerTimeouts(app.getHttpServer() as Server, {
    keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
  });

  app.useGlobalFilters(new AppExceptionFilter());
  app.useGlobalPipes(new BoundedValidationPipe());
  app.enableShutdownHooks();
  return app;
}
