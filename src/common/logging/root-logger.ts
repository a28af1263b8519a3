import pino, { DestinationStream, Level, Logger } from 'pino';
import { REDACT_PATHS, REDACTED } from './log-redaction';

/** pino's levels and `silent`: what LOG_LEVEL accepts. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LogSettings {
  level: LogLevelName;
  /** human-readable lines (pino-pretty) instead of JSON, when pino-pretty is installed */
  readable: boolean;
}

/** Standard output (the app) or standard error (the CLI, whose stdout is the command's output). */
export type LogTarget = 1 | 2 | DestinationStream;

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/**
 * pino-pretty is a devDependency: a production image does not have it, and production never
 * asks for it. Loaded only when readable output is wanted; missing, the lines stay JSON.
 */
function loadPretty(): PrettyFactory | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('pino-pretty') as PrettyFactory | { default: PrettyFactory };
    return typeof loaded === 'function' ? loaded : loaded.default;
  } catch {
    return undefined;
  }
}

function destinationOf(settings: LogSettings, target: LogTarget): DestinationStream {
  const pretty = settings.readable ? loadPretty() : undefined;
  if (pretty) {
    const stream = pretty({
      destination: target,
      // synchronous: a line written just before process.exit() (a refused start) is not lost
      sync: true,
      colorize:
        typeof target === 'number' && Boolean(process[target === 1 ? 'stdout' : 'stderr'].isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      // the access line's fields are all in its message already
      ignore: 'pid,hostname,context,requestId,method,route,path,status,durationMs',
      messageFormat: '{if requestId}{requestId} {end}{if context}[{context}] {end}{msg}',
    });
    return Object.assign(stream, { prettified: true });
  }
  return typeof target === 'number' ? pino.destination({ dest: target, sync: true }) : target;
}

/**
 * The one pino logger of a process: every Nest `Logger`, the access log and the CLI write
 * through it. JSON lines (time as ISO text, level as its name) unless `readable`; secrets
 * censored (log-redaction.ts) whatever the format.
 */
export function createRootLogger(settings: LogSettings, target: LogTarget): Logger {
  const destination = destinationOf(settings, target);
  const json = !(destination as { prettified?: boolean }).prettified;
  return pino(
    {
      level: settings.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // JSON says `"level":"warn"` for whoever reads it; pino-pretty wants pino's numbers
      ...(json ? { formatters: { level: (label: string) => ({ level: label as Level }) } } : {}),
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    },
    destination,
  );
}
