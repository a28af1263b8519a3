import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { mongo } from 'mongoose';
import { freePort, pollUntil, sleep } from '../../test/support/http-poll';

const ROOT = path.resolve(__dirname, '..', '..');

export interface FleetApp {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  /** the exit code or signal once the process is gone */
  exited(): string | undefined;
  stop(): Promise<void>;
}

/**
 * One built app (`node dist/src/main.js`, as bench/support/app-process.ts runs it) on a port of
 * its own, its stdout and stderr appended to `logFile` (the phase changes it follows are logged
 * there). Resolves once /health answers 200.
 */
export async function startFleetApp(
  name: string,
  env: Record<string, string>,
  logFile: string,
): Promise<FleetApp> {
  const port = await freePort();
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exit: string | undefined;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await pollUntil(`${url}/health`, (status) => status === 200 || exit !== undefined, 60_000, 250);
    if (exit !== undefined) throw new Error(`exited with ${exit}`);
  } catch (error) {
    child.kill('SIGKILL');
    const tail = readFileSync(logFile, 'utf8').slice(-4000);
    throw new Error(`app ${name} did not become healthy: ${(error as Error).message}\n${tail}`);
  }
  return {
    name,
    url,
    pid: child.pid as number,
    logFile,
    exited: () => exit,
    stop: async () => {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * Waits until `count` app instances have reported themselves in MongoDB's `migration_control`
 * (each does so at its first poll, PHASE_POLL_INTERVAL after start): `phase set` only waits for
 * the instances it finds there.
 */
export async function waitForReports(db: mongo.Db, count: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reports = await db
      .collection('migration_control')
      .countDocuments({ _id: { $gt: 'instance:', $lt: 'instance:\uffff' } as never });
    if (reports >= count) return;
    if (Date.now() > deadline) {
      throw new Error(
        `only ${reports} of ${count} app instance(s) reported within ${timeoutMs} ms`,
      );
    }
    await sleep(250);
  }
}

/** The last `lines` lines of an app's log. */
export function logTail(app: FleetApp, lines = 40): string {
  try {
    return readFileSync(app.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
