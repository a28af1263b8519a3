import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitStatus, tail } from './process-control';
import { StackService } from './stack-service';
import { StackError } from './toolchain';

/** What a failed start's message shows: the end of each log, the head of a JVM crash file. */
const SYSTEM_LOG_LINES = 20;
const STDOUT_LINES = 10;
const HS_ERR_LINES = 8;
/** Cassandra's first log line (its whole configuration) alone is thousands of characters. */
const MAX_LINE_CHARS = 300;

/** One start of a server by this process. */
export interface Launch {
  pid: number;
  /** how it ended, once it has */
  exit?: ExitStatus;
  /** each log file's size when it started: what follows, this start wrote */
  logSizes: Map<string, number>;
}

/** A server that exited before it answered; `reason` as far as its exit and logs tell. */
export class ExitedWhileStarting extends StackError {
  constructor(
    readonly server: string,
    readonly reason: string | undefined,
    readonly details: string,
    /** the reason the first start of this `up` ended, when this was the second */
    readonly firstStart?: string,
  ) {
    const second =
      firstStart === undefined ? '' : ` on its second start (the first: ${firstStart})`;
    super(`${server} exited while starting${reason ? ` (${reason})` : ''}${second}; ${details}`);
  }
}

/** What decides whether a Cassandra node that exited while starting is started once more. */
export interface FailedStart {
  /** a cluster node other than the seed: its first start bootstraps into the ring */
  bootstraps: boolean;
  /** the stack's `joined` file was there when this `up` started it */
  joinedBefore: boolean;
  /** its state folders were empty when this `up` started it: all they hold, the failed start wrote */
  startedEmpty: boolean;
  /** its log of this start says Cassandra put it in the ring (state NORMAL) */
  joinedDuring: boolean;
}

/**
 * Whether a node that exited while starting is cleared and started once more (at most once per
 * `up`: the caller's second failure is final). Only a first bootstrap qualifies: what it leaves is
 * the half-made state of that attempt. A node that joined the ring, now or before, holds data of
 * its own and is never cleared.
 */
export function retriesFreshNode(start: FailedStart): boolean {
  return start.bootstraps && !start.joinedBefore && start.startedEmpty && !start.joinedDuring;
}

function logFiles(service: StackService): string[] {
  return [...new Set([service.logFile, service.stdoutFile])];
}

export function logSizes(service: StackService): Map<string, number> {
  return new Map(logFiles(service).map((file) => [file, fileSize(file)]));
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** What the launch's start appended to `file` ('' when nothing). */
function writtenSince(launch: Launch, file: string): string {
  const from = launch.logSizes.get(file) ?? 0;
  const length = fileSize(file) - from;
  if (length <= 0) return '';
  const buffer = Buffer.alloc(length);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buffer, 0, length, from);
  } finally {
    fs.closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** True when the launch's own system.log says the node reached the ring. */
export function joinedRingDuring(service: StackService, launch: Launch): boolean {
  return /state jump to NORMAL|Bootstrap completed for tokens/.test(
    writtenSince(launch, service.logFile),
  );
}

/**
 * Why a start ended, as far as the process and its logs tell: its exit code or signal, and the
 * first error of that start (Cassandra prints `Exception (...) encountered during startup: ...`
 * to stdout and logs errors as `ERROR` lines), or the JVM's crash summary.
 */
export function exitReason(service: StackService, launch: Launch): string | undefined {
  const { exit } = launch;
  const how = !exit
    ? undefined
    : exit.signal
      ? `killed by ${exit.signal}`
      : `exit code ${exit.code ?? '?'}`;
  const stdout = writtenSince(launch, service.stdoutFile);
  const cause =
    /^.*encountered during startup:.*$/m.exec(stdout)?.[0] ??
    /^ERROR .*? - (.*)$/m.exec(writtenSince(launch, service.logFile))?.[1] ??
    hsErrSummary(service, launch.pid);
  if (!how && !cause) return undefined;
  return [how, cause ? mask(cause.trim()).slice(0, MAX_LINE_CHARS) : 'no error in its logs']
    .filter(Boolean)
    .join(': ');
}

/** Where the JVM writes its crash report: the stack's -XX:ErrorFile, else its defaults. */
function hsErrFiles(service: StackService, pid: number): string[] {
  return [
    path.join(path.dirname(service.logFile), `hs_err_${pid}.log`),
    path.join(path.dirname(service.pidFile), `hs_err_pid${pid}.log`),
    path.join(os.tmpdir(), `hs_err_pid${pid}.log`),
  ].filter((file) => fs.existsSync(file));
}

/** The summary at the top of a crash report (`#` lines): what failed, where, which JVM. */
function hsErrHead(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').slice(0, 8192);
  return text
    .split('\n')
    .filter((line) => line.startsWith('#') && line.replace(/^#\s*/, '') !== '')
    .slice(0, HS_ERR_LINES);
}

function hsErrSummary(service: StackService, pid: number): string | undefined {
  const [file] = hsErrFiles(service, pid);
  if (!file) return undefined;
  const [, ...lines] = hsErrHead(file); // the first says only that a fatal error was detected
  return `JVM crash: ${lines
    .slice(0, 2)
    .map((line) => line.replace(/^#\s*/, ''))
    .join(' ')}`;
}

/** Hides what looks like a password (`password=...`, `//user:secret@`) in a log line. */
export function mask(line: string): string {
  return line
    .replace(/(password|passwd|secret)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;\]}]+)/gi, '$1$2***')
    .replace(/(\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@');
}

function section(title: string, lines: string[]): string {
  const body = lines.map((line) => mask(line).slice(0, MAX_LINE_CHARS));
  return [`--- ${title} ---`, ...(body.length ? body : ['(empty)'])].join('\n');
}

/**
 * For a failed start's message: the end of the server's log and of its stdout (where a JVM
 * prints what it could not log), and the head of the JVM's crash report for `pid` if it wrote
 * one. Lines cut short and anything that looks like a password masked; no settings or env.
 */
export function startFailureDetails(service: StackService, pid: number): string {
  const parts = [
    section(
      `${service.logFile} (last ${SYSTEM_LOG_LINES} lines)`,
      tail(service.logFile, SYSTEM_LOG_LINES).split('\n').filter(Boolean),
    ),
  ];
  if (service.stdoutFile !== service.logFile) {
    parts.push(
      section(
        `${service.stdoutFile} (last ${STDOUT_LINES} lines)`,
        tail(service.stdoutFile, STDOUT_LINES).split('\n').filter(Boolean),
      ),
    );
  }
  for (const file of hsErrFiles(service, pid)) {
    parts.push(section(`${file} (the JVM crashed; its first lines)`, hsErrHead(file)));
  }
  return `last log lines:\n${parts.join('\n')}`;
}
