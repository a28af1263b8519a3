import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Logger } from 'pino';
import { createRootLogger, LogSettings, LogTarget } from './root-logger';

/** Where the app's log lines go: the console (errors on stderr); a test swaps in a stream it reads. */
export class LogDestination {
  constructor(readonly target: LogTarget) {}
}

/** The process's root pino logger, for the request logging middleware (configure-app.ts). */
export class RootLogger {
  constructor(readonly pino: Logger) {}
}

/**
 * nestjs-pino's LoggerModule over our root logger: `app.get(Logger)` (from nestjs-pino) is what
 * main.ts hands to `app.useLogger`, so every `new Logger(...)` of @nestjs/common writes through
 * pino, with the request id inside a request. The request middleware is not LoggerModule's
 * (`useExisting`, no routes): configure-app.ts installs it ahead of the body parsers, so even a
 * refused body has an id and an access line.
 */
@Module({})
export class LoggingModule {
  static forRoot(settings: LogSettings): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          providers: [
            { provide: LogDestination, useValue: new LogDestination('console') },
            {
              provide: RootLogger,
              inject: [LogDestination],
              useFactory: (destination: LogDestination) =>
                new RootLogger(createRootLogger(settings, destination.target)),
            },
          ],
          inject: [RootLogger],
          useFactory: (root: RootLogger) => ({
            pinoHttp: { logger: root.pino },
            useExisting: true,
            forRoutes: [],
          }),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
