import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { freePort, pollUntil } from '../../test/support/http-poll';
import { waitUntilIdle } from './idle';

const ROOT = path.resolve(__dirname, '..', '..');

export interface AppProcess {
  url: string;
  /** waits until the app and the given database processes are idle (see waitUntilIdle) */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The built app (`node dist/src/main.js`, as in production) in a process of its own, so the
 * load generator does not share its event loop. Resolves once /health answers 200.
 */
export async function startApp(
  env: Record<string, string>,
  databasePids: number[] = [],
  /** e.g. ['--cpu-prof'] to profile the app */
  nodeArgs: string[] = [],
): Promise<AppProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, path.join(ROOT, 'dist/src/main.js')],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await pollUntil(`${url}/health`, (status) => status === 200, 60_000, 250);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`app did not become healthy: ${(error as Error).message}\n${stderr}`);
  }
  return {
    url,
    settle: () => waitUntilIdle([child.pid as number, ...databasePids]),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
