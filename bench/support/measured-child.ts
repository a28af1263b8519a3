import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cpuSecondsOf } from './cpu-meter';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ChildRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** from spawn to exit, start-up included */
  wallSeconds: number;
  /** the child's peak resident memory (VmHWM), MiB */
  peakRssMb: number;
  /** CPU seconds the child used (last sample before exit, every 100 ms) */
  cpuSeconds: number;
}

/** VmHWM (the kernel's own peak of VmRSS) of a live process, in kB; undefined once it is gone. */
function peakRssKb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `node <args>` in the project folder (the node process itself, no shell in between, so
 * its pid is the one measured) with only `env` and PATH/HOME, and samples its VmHWM every
 * 100 ms, with its CPU time. VmHWM never decreases, so the last sample before exit is the peak
 * up to the last 100 ms.
 */
export function runNode(
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ChildRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  let peakKb = 0;
  let cpuSeconds = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    const kb = peakRssKb(child.pid);
    if (kb !== undefined && kb > peakKb) peakKb = kb;
    cpuSeconds = cpuSecondsOf(child.pid) ?? cpuSeconds;
  };
  const timer = setInterval(sample, 100);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once('exit', (exitCode) => {
      clearInterval(timer);
      resolve({
        exitCode,
        stdout,
        stderr,
        wallSeconds: (Date.now() - started) / 1000,
        peakRssMb: peakKb / 1024,
        cpuSeconds,
      });
    });
  });
}

/** The CLI as `npm run cli` runs it (`node scripts/run-cli.js …`: the compiled app). */
export const runCli = (args: string[], env: Record<string, string>, nodeArgs: string[] = []) =>
  runNode(['scripts/run-cli.js', ...args], env, nodeArgs);

/** A bench TypeScript file in a process of its own (ts-node, transpile-only). */
export const runTs = (file: string, env: Record<string, string>, nodeArgs: string[] = []) =>
  runNode([file], env, ['-r', 'ts-node/register/transpile-only', ...nodeArgs]);
