import * as path from 'node:path';
import { VerifyReport } from '../../src/migration/verify/verify.service';
import { ChildRun, runCli, runTs } from './measured-child';

/** `BENCH_CPU_PROF_DIR=dir`: CPU profiles of the backfill and verify children go there. */
function profileArgs(label: string): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, `--cpu-prof-name=${label}.cpuprofile`]
    : [];
}

function failed(what: string, run: ChildRun): Error {
  return new Error(
    `${what} exited with ${run.exitCode}\n--- stdout ---\n${run.stdout.slice(-4000)}\n--- stderr ---\n${run.stderr.slice(-4000)}`,
  );
}

export interface BackfillRun {
  posts: number;
  comments: number;
  /** the command's own time and rate (its summary line), start-up excluded */
  seconds: number;
  rate: number;
  wallSeconds: number;
  peakRssMb: number;
  cpuSeconds: number;
}

const num = (text: string) => Number(text.replace(/,/g, ''));

/** `node scripts/run-cli.js migrate backfill`, its summary line parsed. */
export async function runBackfill(
  env: Record<string, string>,
  label: string,
  concurrency?: number,
): Promise<BackfillRun> {
  const flags = concurrency === undefined ? [] : ['--concurrency', String(concurrency)];
  const run = await runCli(['migrate', 'backfill', ...flags], env, profileArgs(label));
  if (run.exitCode !== 0) throw failed('migrate backfill', run);
  const match =
    /copied ([\d,]+) posts, ([\d,]+) comments, [\d,]+ accounts and [\d,]+ credentials in ([\d.]+) s \(([\d,]+) records\/s\)/.exec(
      run.stdout,
    );
  if (!match) throw new Error(`no summary line in the backfill's output:\n${run.stdout}`);
  return {
    posts: num(match[1]),
    comments: num(match[2]),
    seconds: Number(match[3]),
    rate: num(match[4]),
    wallSeconds: run.wallSeconds,
    peakRssMb: run.peakRssMb,
    cpuSeconds: run.cpuSeconds,
  };
}

export interface VerifyRun {
  report: VerifyReport;
  wallSeconds: number;
  peakRssMb: number;
  cpuSeconds: number;
}

/** `node scripts/run-cli.js migrate verify --json`; throws unless the report is clean. */
export async function runVerify(env: Record<string, string>, label: string): Promise<VerifyRun> {
  const run = await runCli(['migrate', 'verify', '--json'], env, profileArgs(label));
  const start = run.stdout.indexOf('{');
  let report: VerifyReport;
  try {
    report = JSON.parse(run.stdout.slice(start)) as VerifyReport;
  } catch {
    throw failed('migrate verify --json (no JSON report)', run);
  }
  if (run.exitCode !== 0 || !report.clean) {
    throw new Error(
      `VERIFY IS NOT CLEAN after the backfill (exit ${run.exitCode}): ${report.differences.length} difference(s), first: ${JSON.stringify(report.differences.slice(0, 10))}; records ${JSON.stringify(report.records)}`,
    );
  }
  const { wallSeconds, peakRssMb, cpuSeconds } = run;
  return { report, wallSeconds, peakRssMb, cpuSeconds };
}

export interface BareScanRun {
  seconds: number;
  counts: Record<string, number>;
  peakRssMb: number;
  cpuSeconds: number;
}

/** bench/support/bare-scan.ts in a process of its own. */
export async function runBareScan(env: Record<string, string>): Promise<BareScanRun> {
  const run = await runTs('bench/support/bare-scan.ts', env);
  if (run.exitCode !== 0) throw failed('bare scan', run);
  const { seconds, counts } = JSON.parse(run.stdout) as Pick<BareScanRun, 'seconds' | 'counts'>;
  return { seconds, counts, peakRssMb: run.peakRssMb, cpuSeconds: run.cpuSeconds };
}

/** The CLI doing next to nothing (`schema status`): what every CLI run pays before any data. */
export async function cliBaseline(
  env: Record<string, string>,
): Promise<{ peakRssMb: number; cpuSeconds: number }> {
  const run = await runCli(['schema', 'status'], env);
  if (run.exitCode !== 0) throw failed('schema status', run);
  return { peakRssMb: run.peakRssMb, cpuSeconds: run.cpuSeconds };
}
