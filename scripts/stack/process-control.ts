import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

/** A server process the stack started: its pid file, and a marker that proves the pid is ours. */
export interface ManagedProcess {
  pidFile: string;
  /** a string that appears in the command line of our process and of no other (its data folder) */
  marker: string;
}

export function readPid(proc: ManagedProcess): number | undefined {
  try {
    const pid = Number(fs.readFileSync(proc.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/**
 * The pid of our running process, or undefined. A pid file whose process is gone, or whose pid
 * now belongs to someone else, is stale: it is removed, and nothing else is touched.
 */
export function runningPid(proc: ManagedProcess): number | undefined {
  const pid = readPid(proc);
  if (pid === undefined) return undefined;
  const cmd = commandLine(pid);
  if (cmd !== undefined && cmd.includes(proc.marker)) return pid;
  // an exiting process has an empty command line: it is still ours until it is gone
  if (isAlive(pid) && !cmd) return pid;
  removePidFileIf(proc, pid);
  return undefined;
}

/** Removes the pid file only while it still names `pid` (a newer start may have rewritten it). */
function removePidFileIf(proc: ManagedProcess, pid: number): void {
  if (readPid(proc) === pid) fs.rmSync(proc.pidFile, { force: true });
}

/**
 * Runs fn while holding an exclusive lock file, so `up` and `down` of one server never interleave
 * (e.g. a test's cleanup starting a server that another command is still stopping). A lock whose
 * holder died is taken over.
 */
export async function withLock<T>(
  lockFile: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim() || 0);
      if (!holder || !isAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${lockFile} is held by process ${holder}; is another stack command running?`,
        );
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/** How a process this one started ended: an exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Starts a long-running server detached from this process, output appended to logFile. `onExit`
 * hears how it ended, should it end while this process still runs.
 */
export function startDetached(
  proc: ManagedProcess,
  bin: string,
  args: string[],
  opts: {
    cwd: string;
    logFile: string;
    env?: NodeJS.ProcessEnv;
    uid?: number;
    gid?: number;
    onExit?: (status: ExitStatus) => void;
  },
): number {
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(bin, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
    uid: opts.uid,
    gid: opts.gid,
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${bin}`);
  const onExit = opts.onExit;
  if (onExit) child.once('exit', (code, signal) => onExit({ code, signal }));
  child.unref();
  fs.writeFileSync(proc.pidFile, `${child.pid}\n`);
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `signal` (SIGTERM), then SIGKILL if the process has not exited after graceMs. */
export async function stopProcess(
  proc: ManagedProcess,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<boolean> {
  const pid = runningPid(proc);
  if (pid === undefined) return false;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  removePidFileIf(proc, pid);
  return true;
}

/** Resident memory of a process in bytes (Linux /proc), undefined when unknown. */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** True when something accepts TCP connections on host:port. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    // connecting to a free port of the ephemeral range can connect the socket to itself
    socket.once('connect', () => done(!(socket.localPort === port && socket.remotePort === port)));
    socket.once('error', () => done(false));
  });
}

/** The last `lines` lines of a text file ('' when it does not exist). */
export function tail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

/** SIGKILL at once (a crash, for failure tests); resolves once the process is gone. */
export async function killProcess(proc: ManagedProcess): Promise<boolean> {
  const pid = runningPid(proc);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  removePidFileIf(proc, pid);
  return true;
}
