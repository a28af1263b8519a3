import { LoggerService } from '@nestjs/common';
import { Logger, PinoLogger } from 'nestjs-pino';
import { createRootLogger, LogSettings, LogTarget } from './root-logger';

/**
 * The Nest logger of a CLI run: the same pino lines as the app (JSON in production, readable
 * otherwise), on standard error, since standard output is the command's own (`--json` reports
 * are parsed by scripts).
 */
export function cliLogger(settings: LogSettings, target: LogTarget = 2): LoggerService {
  const root = createRootLogger(settings, target);
  return new Logger(new PinoLogger({ pinoHttp: { logger: root } }), {});
}
