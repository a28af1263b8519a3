import { NaiveResult, NaiveStage } from './naive-copy';
import { CpuUse } from './cpu-meter';
import { RawResult } from './raw-writes';
import { BackfillRun, BareScanRun, VerifyRun } from './migration-steps';

export interface SizeResults {
  posts: number;
  backfill: BackfillRun;
  verify: VerifyRun;
}

export interface MigrationResults {
  concurrency: number;
  commentsPerPost: number;
  raw: RawResult;
  naive: NaiveResult;
  /** BENCH_POSTS, then BENCH_SMALL_POSTS */
  big: SizeResults;
  small: SizeResults;
  /** bare scans of the big dataset, right before and right after its verify */
  bare: BareScanRun[];
  /** the CLI starting and doing next to nothing (schema status) */
  cliBaseline: { peakRssMb: number; cpuSeconds: number };
  /** where the CPU went during each measurement */
  cpu: CpuRow[];
}

export interface CpuRow extends CpuUse {
  label: string;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) => n.toFixed(digits);
const seconds = (s: NaiveStage) => s.readSeconds + s.writeSeconds;
const ms = (total: number, records: number) => `${((1000 * total) / records).toFixed(1)} ms`;
const row = (cells: string[], widths: number[]) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
const rule = (widths: number[]) =>
  `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [row(head, widths), rule(widths), ...rows.map((r) => row(r, widths))];
}

/** Prints the run's results: rates, ratios against their targets, verify time, memory. */
export function printReport(r: MigrationResults): boolean {
  const { big, small, naive } = r;
  const records = big.backfill.posts + big.backfill.comments;
  const bare = r.bare.reduce((sum, b) => sum + b.seconds, 0) / r.bare.length;
  const lines = [
    '',
    `bench:migration: ${int(big.posts)} posts + ${int(big.backfill.comments)} comments (${int(records)} records) in MongoDB; concurrency ${r.concurrency}`,
    '',
    ...table(
      ['copy', 'records', 'seconds', 'records/s'],
      [
        [
          '(a) raw Cassandra writes, executeConcurrent (100% of the records)',
          int(r.raw.records),
          fixed(r.raw.seconds),
          int(r.raw.rate),
        ],
        [
          '(b) migrate backfill (child process)',
          int(records),
          fixed(big.backfill.seconds),
          int(big.backfill.rate),
        ],
        [
          `(c) naive: findOne + applyPost/applyComment, one at a time (${int(naive.posts.records)} + ${int(naive.comments.records)})`,
          int(naive.posts.records + naive.comments.records),
          fixed(seconds(naive.posts) + seconds(naive.comments)),
          int(r.naive.rate),
        ],
      ],
    ),
    '',
    ...table(
      ['scan', 'seconds', 'wall s (with start-up)', 'peak RSS MiB'],
      [
        [
          '(d) migrate verify --json (clean)',
          fixed(big.verify.report.seconds),
          fixed(big.verify.wallSeconds),
          int(big.verify.peakRssMb),
        ],
        ...r.bare.map((b, i) => [
          `bare full scan of both stores, ${i === 0 ? 'before' : 'after'} verify`,
          fixed(b.seconds),
          '',
          int(b.peakRssMb),
        ]),
      ],
    ),
  ];
  const targets: Array<[string, number, string, boolean]> = [
    [
      'backfill / raw',
      big.backfill.rate / r.raw.rate,
      '>= 0.8',
      big.backfill.rate / r.raw.rate >= 0.8,
    ],
    [
      'backfill / naive',
      big.backfill.rate / r.naive.rate,
      '>= 20',
      big.backfill.rate / r.naive.rate >= 20,
    ],
    [
      'verify / bare scan (mean of both)',
      big.verify.report.seconds / bare,
      '<= 1.5',
      big.verify.report.seconds / bare <= 1.5,
    ],
  ];
  lines.push(
    '',
    ...table(
      ['ratio', 'value', 'target', 'result'],
      targets.map(([name, value, target, met]) => [
        name,
        fixed(value, 2),
        target,
        met ? 'met' : 'NOT MET',
      ]),
    ),
  );
  const writesOnly =
    (1 + r.commentsPerPost) /
    (naive.posts.writeSeconds / naive.posts.records +
      (r.commentsPerPost * naive.comments.writeSeconds) / naive.comments.records);
  lines.push(
    '',
    `naive, per record: post findOne ${ms(naive.posts.readSeconds, naive.posts.records)} + applyPost ${ms(naive.posts.writeSeconds, naive.posts.records)}; comment findOne ${ms(naive.comments.readSeconds, naive.comments.records)} + applyComment ${ms(naive.comments.writeSeconds, naive.comments.records)}`,
    `naive rate for 1 post : ${r.commentsPerPost} comments = ${int(naive.rate)} records/s; its Cassandra writes alone: ${int(writesOnly)} records/s (backfill / that = ${fixed(big.backfill.rate / writesOnly, 2)}, no target)`,
  );
  const rss = (a: number, b: number) => [int(a), int(b), fixed(b / a, 2)];
  lines.push(
    '',
    ...table(
      ['peak RSS MiB (VmHWM)', `${int(small.posts)} posts`, `${int(big.posts)} posts`, 'ratio'],
      [
        ['migrate backfill', ...rss(small.backfill.peakRssMb, big.backfill.peakRssMb)],
        ['migrate verify', ...rss(small.verify.peakRssMb, big.verify.peakRssMb)],
        ['CLI start-up only (schema status)', int(r.cliBaseline.peakRssMb), '', ''],
      ],
    ),
    '',
    `backfill at ${int(small.posts)} posts: ${int(small.backfill.rate)} records/s; verify ${fixed(small.verify.report.seconds)} s`,
  );
  lines.push(
    '',
    ...cpuTable(r.cpu),
    `(client = the CLI child, the bare-scan child, or the bench process for (a) and (c); the CLI's start-up alone, ts-node compiling the sources, takes ${fixed(r.cliBaseline.cpuSeconds)} CPU s)`,
  );
  console.log(lines.join('\n'));
  return targets.every(([, , , met]) => met);
}

/**
 * CPU seconds per process during each measurement ("client": the CLI child, the bare scan child,
 * or this process for (a) and (c)), and how many of the machine's cores were busy on average,
 * every tenant included (this machine is shared).
 */
function cpuTable(rows: CpuRow[]): string[] {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.byProcess)))];
  return table(
    ['CPU seconds', 'wall s', ...names, 'machine busy cores', 'of which others'],
    rows.map((r) => {
      const ours = Object.values(r.byProcess).reduce((a, b) => a + b, 0);
      return [
        r.label,
        fixed(r.wallSeconds),
        ...names.map((n) => fixed(r.byProcess[n] ?? 0)),
        fixed(r.machine / r.wallSeconds, 2),
        fixed(Math.max(0, r.machine - ours) / r.wallSeconds, 2),
      ];
    }),
  );
}
