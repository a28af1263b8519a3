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

/**
 * Where a process's lines go. `console`: standard output, errors and worse on standard error (the
 * app, as Nest's console logger did: a refused start is one line on stderr). `2`: all on standard
 * error (the CLI, whose standard output is the command's own). A stream: a test reading them.
 */
export type LogTarget = 'console' | 2 | DestinationStream;

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

function prettyTo(
  pretty: PrettyFactory,
  destination: 1 | 2 | DestinationStream,
): DestinationStream {
  return pretty({
    destination,
    // synchronous: a line written just before process.exit() (a refused start) is not lost
    sync: true,
    colorize:
      typeof destination === 'number' &&
      Boolean(process[destination === 1 ? 'stdout' : 'stderr'].isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    // the access line's fields are all in its message already
    ignore: 'pid,hostname,context,requestId,method,route,path,status,durationMs',
    messageFormat: '{if requestId}{requestId} {end}{if context}[{context}] {end}{msg}',
  });
}

function toDescriptor(fd: 1 | 2, pretty: PrettyFactory | undefined): DestinationStream {
  return pretty ? prettyTo(pretty, fd) : pino.destination({ dest: fd, sync: true });
}

function destinationOf(target: LogTarget, pretty: PrettyFactory | undefined): DestinationStream {
  if (target === 'console') {
    // dedupe: a line goes to the one stream with the highest level it reaches
    return pino.multistream(
      [
        { level: 'trace', stream: toDescriptor(1, pretty) },
        { level: 'error', stream: toDescriptor(2, pretty) },
      ],
      { dedupe: true },
    );
  }
  if (target === 2) return toDescriptor(2, pretty);
  return pretty ? prettyTo(pretty, target) : target;
}

/**
 * The one pino logger of a process: every Nest `Logger`, the access log and the CLI write
 * through it. JSON lines (time as ISO text, level as its name) unless `readable`; secrets
 * censored (log-redaction.ts) whatever the format.
 */
export function createRootLogger(settings: LogSettings, target: LogTarget): Logger {
  const pretty = settings.readable ? loadPretty() : undefined;
  const json = pretty === undefined;
  const destination = destinationOf(target, pretty);
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
