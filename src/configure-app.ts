import { NestExpressApplication } from '@nestjs/platform-express';
import { readFileSync, readdirSync } from 'node:fs';
import { Server } from 'node:http';
import { basename, join } from 'node:path';
import hbs from 'hbs';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppExceptionFilter } from './common/errors/app-exception.filter';
import { applyServerTimeouts } from './common/http/server-timeouts';
import { httpLogging } from './common/logging/http-logging';
import { RootLogger } from './common/logging/logging.module';
import { bindRequestContext } from './common/logging/request-context';
import { projectRoot } from './common/project-root';
import { bodyParserOptions } from './common/validation/body-limits';
import { BoundedValidationPipe } from './common/validation/bounded-validation.pipe';
import { AppConfig } from './config/app-config';
import { useNoStoreForAccounts, useSecurityHeaders } from './http-security';
import { BlogMetrics } from './metrics/blog-metrics';
import { httpMetrics } from './metrics/http-metrics';
import { serveStaticAssets, STATIC_PREFIX } from './static-assets';

/** Registers every views/partials/*.hbs synchronously, so the first request never misses one. */
function registerPartials(dir: string): void {
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(dir, file), 'utf8'));
  }
}

/**
 * Every `Logger` of @nestjs/common through pino from now on, Nest's buffered start-up lines
 * included (main.ts; tests that read the app's log lines). Tests that leave it out keep the
 * quiet Nest logger they created the app with.
 */
export function useStructuredLogs(app: NestExpressApplication): void {
  app.useLogger(app.get(PinoNestLogger));
  app.flushLogs();
}

/**
 * Everything about the HTTP app that is not a module: views, validation, headers, shutdown.
 * main.ts and the e2e tests both call this, so tests exercise the real setup.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const root = projectRoot(__dirname);
  const views = join(root, 'views');

  app.disable('x-powered-by');
  // First: the request id (X-Request-Id, answered on every response, refusals included) and the
  // access line; the logging context itself is bound after the body parsers, below.
  app.use(httpLogging(app.get(RootLogger).pino));
  // then, so every request is counted and timed, whatever answers or refuses it
  app.use(httpMetrics(app.get(BlogMetrics), { staticPrefix: STATIC_PREFIX }));
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

  // Bodies: sized to the largest valid form, flat forms, keys and depth counted before parsing
  // (src/common/validation/body-limits.ts); registered before init, so Nest skips its defaults.
  const config = app.get(AppConfig);
  const parsers = bodyParserOptions(config.httpBodyLimit);
  app.useBodyParser('json', parsers.json);
  app.useBodyParser('urlencoded', parsers.urlencoded);
  app.use(bindRequestContext);
  applyServerTimeouts(app.getHttpServer() as Server, config.httpServerTimeouts);

  app.useGlobalFilters(new AppExceptionFilter());
  app.useGlobalPipes(new BoundedValidationPipe());
  app.enableShutdownHooks();
  return app;
}
