import { ChildRun, runCli } from './measured-child';

/** One operator command of the runbook, as `npm run cli -- <args>` would run it. */
export interface RunbookStep {
  step: string;
  args: string[];
  /** the line(s) of its output an operator looks at */
  key: (stdout: string, stderr: string) => string;
}

export interface StepResult {
  step: string;
  command: string;
  seconds: number;
  exitCode: number | null;
  peakRssMb?: number;
  key: string;
  /** when it started and ended (ms since the epoch), for the load's window */
  from: number;
  to: number;
}

const lines = (text: string) => text.split('\n').map((line) => line.trim());
const matching = (text: string, pattern: RegExp) => lines(text).filter((l) => pattern.test(l));
const firstLine = (text: string) => lines(text).find((line) => line.length > 0) ?? '';

/** The gate's verify line and how long the instances took to follow. */
function phaseSetKey(stdout: string, stderr: string): string {
  return [
    ...matching(stderr, /^(WARNING|(ok|FAIL)\s+verify:)/),
    ...matching(stdout, /^(all \d+ app instance|no app instance|not waiting|phase is already)/),
  ].join('; ');
}

function backfillKey(stdout: string, stderr: string): string {
  const warned = /^warning: (phase \S+ does not write to [^\s:]+)/m.exec(stderr);
  return [
    ...matching(stdout, /^backfill /),
    ...matching(stdout, /^resumed from/),
    ...(warned ? [`(warned: ${warned[1]})`] : []),
  ].join(' ');
}

function verifyKey(stdout: string): string {
  const took = /; ([\d.]+ s)$/m.exec(stdout);
  return `${firstLine(stdout)}${took ? ` in ${took[1]}` : ''}`;
}

/** The reconcile's report, and how many repairs failed every try (the recheck may find them right). */
function reconcileKey(stdout: string, stderr: string): string {
  const unrepaired = matching(`${stdout}\n${stderr}`, /could not repair /).length;
  return [
    ...matching(stdout, /^reconcile \S+ → /),
    ...(unrepaired ? [`(${unrepaired} repair(s) failed every try)`] : []),
  ].join(' ');
}

/** `mongo …` summaries without the database and file names (they are the bench's own). */
function mongoKey(stdout: string): string {
  return firstLine(stdout)
    .replace(/ of database \S+| into database \S+/, '')
    .replace(/(→|from) \/\S+ /, '')
    .replace(/backup \/\S+ matched/, 'backup matched');
}

const phaseSet = (step: string, phase: string): RunbookStep => ({
  step,
  args: ['phase', 'set', phase],
  key: phaseSetKey,
});

/** Steps 1-12 of the runbook: to phase 3 and MongoDB gone, then all the way back. */
export function runbookSteps(backupFile: string): RunbookStep[] {
  return [
    phaseSet('1', 'dual-write'),
    { step: '2', args: ['migrate', 'backfill'], key: backfillKey },
    { step: '3', args: ['migrate', 'verify'], key: verifyKey },
    phaseSet('4', 'cassandra-primary'),
    phaseSet('5', 'cassandra'),
    { step: '6', args: ['mongo', 'backup', '--out', backupFile], key: mongoKey },
    { step: '7', args: ['mongo', 'cleanup', '--backup', backupFile, '--yes'], key: mongoKey },
    { step: '8', args: ['mongo', 'restore', '--from', backupFile], key: mongoKey },
    {
      step: '9',
      args: ['migrate', 'backfill', '--from', 'cassandra', '--restart'],
      key: backfillKey,
    },
    phaseSet('10', 'cassandra-primary'),
    { step: '11', args: ['migrate', 'reconcile'], key: reconcileKey },
    phaseSet('12', 'dual-write'),
  ];
}

/** How the command reads in the table (the backup file shown by its name only). */
export function commandText(args: string[]): string {
  return args.map((arg) => (arg.startsWith('/') ? `<${arg.split('/').pop()}>` : arg)).join(' ');
}

/** Runs one step as a CLI child (`node scripts/run-cli.js …`), measured. */
export async function runStep(
  step: RunbookStep,
  env: Record<string, string>,
): Promise<{ result: StepResult; run: ChildRun }> {
  const from = Date.now();
  const run = await runCli(step.args, env);
  return {
    run,
    result: {
      step: step.step,
      command: commandText(step.args),
      seconds: run.wallSeconds,
      exitCode: run.exitCode,
      peakRssMb: run.peakRssMb,
      key: step.key(run.stdout, run.stderr),
      from,
      to: Date.now(),
    },
  };
}

/** A failed step's whole output, for the operator reading the bench's log. */
export function describeFailure(result: StepResult, run: ChildRun): string {
  return [
    `step ${result.step} \`${result.command}\` exited with ${result.exitCode} after ${result.seconds.toFixed(1)} s`,
    '--- stdout ---',
    run.stdout.trimEnd(),
    '--- stderr ---',
    run.stderr.trimEnd(),
  ].join('\n');
}
