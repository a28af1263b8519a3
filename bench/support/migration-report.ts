import { NaiveResult, NaiveStage } from './naive-copy';
import { CpuUse } from './cpu-meter';
import { RawResult } from './raw-writes';
import { BackfillRun, BareScanRun, VerifyRun } from './migration-steps';
import { MigrationJson, Ratio, ResultsMeta } from './results';

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
          `(c) naive: findOne + a replica write, one at a time (${int(naive.posts.records)} + ${int(naive.comments.records)})`,
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
  const targets = migrationRatios(r)
    .slice(0, 3)
    .map(({ name, value, target, met }) => [name, value, target, met] as const);
  lines.push(
    '',
    ...table(
      ['ratio', 'value', 'target', 'result'],
      targets.map(([name, value, target, met]) => [
        name,
        fixed(value ?? NaN, 2),
        target ?? '',
        met ? 'met' : 'NOT MET',
      ]),
    ),
  );
  const writesOnly = naiveWritesOnly(r);
  lines.push(
    '',
    `naive, per record: post findOne ${ms(naive.posts.readSeconds, naive.posts.records)} + write ${ms(naive.posts.writeSeconds, naive.posts.records)}; comment findOne ${ms(naive.comments.readSeconds, naive.comments.records)} + write ${ms(naive.comments.writeSeconds, naive.comments.records)}`,
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
    `(client = the CLI child, the bare-scan child, or the bench process for (a) and (c); the CLI's start-up alone takes ${fixed(r.cliBaseline.cpuSeconds)} CPU s)`,
  );
  console.log(lines.join('\n'));
  return targets.every(([, , , met]) => met);
}

/** The naive copy's rate counting only its Cassandra writes (one at a time), at the data's mix. */
function naiveWritesOnly(r: MigrationResults): number {
  const { naive } = r;
  return (
    (1 + r.commentsPerPost) /
    (naive.posts.writeSeconds / naive.posts.records +
      (r.commentsPerPost * naive.comments.writeSeconds) / naive.comments.records)
  );
}

const short = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : int(n));
const meanBare = (r: MigrationResults) =>
  r.bare.reduce((sum, b) => sum + b.seconds, 0) / r.bare.length;

/**
 * The targets: the first three judged (printReport prints them); one ratio without a target;
 * memory at 10 × the data is for the reader to judge (flat: what grows is garbage, not data), so
 * it has no automatic verdict.
 */
function migrationRatios(r: MigrationResults): Ratio[] {
  const { big, small } = r;
  const judged = (
    name: string,
    numerator: number,
    denominator: number,
    target: string,
    ok: (value: number) => boolean | null,
  ): Ratio => {
    const value = numerator / denominator;
    return { name, numerator, denominator, value, target: target || null, met: ok(value) };
  };
  const sizes = `${short(small.posts)} → ${short(big.posts)}`;
  return [
    judged('backfill / raw ceiling', big.backfill.rate, r.raw.rate, '≥ 0.80', (v) => v >= 0.8),
    judged('backfill / naive', big.backfill.rate, r.naive.rate, '≥ 20', (v) => v >= 20),
    judged('verify / bare scan', big.verify.report.seconds, meanBare(r), '≤ 1.5', (v) => v <= 1.5),
    judged(
      "backfill / naive copy's Cassandra writes alone",
      big.backfill.rate,
      naiveWritesOnly(r),
      '',
      () => null,
    ),
    judged(
      `peak RSS, backfill ${sizes}`,
      big.backfill.peakRssMb,
      small.backfill.peakRssMb,
      'flat',
      () => null,
    ),
    judged(
      `peak RSS, verify ${sizes}`,
      big.verify.peakRssMb,
      small.verify.peakRssMb,
      'flat',
      () => null,
    ),
  ];
}

/** bench/results/migration.json: the tables' rows, the ratios, memory and CPU. */
export function migrationJson(r: MigrationResults, meta: ResultsMeta): MigrationJson {
  const { big, small, naive } = r;
  return {
    meta,
    posts: big.posts,
    comments: big.backfill.comments,
    rows: [
      {
        label: '(a) raw Cassandra writes, every record',
        records: r.raw.records,
        seconds: r.raw.seconds,
        records_per_second: r.raw.rate,
        peak_rss_mb: null,
      },
      {
        label: '(b) `migrate backfill`',
        records: big.backfill.posts + big.backfill.comments,
        seconds: big.backfill.seconds,
        records_per_second: big.backfill.rate,
        peak_rss_mb: big.backfill.peakRssMb,
      },
      {
        label: `(c) naive copy, ${naive.posts.records + naive.comments.records} records`,
        records: naive.posts.records + naive.comments.records,
        seconds: seconds(naive.posts) + seconds(naive.comments),
        records_per_second: naive.rate,
        peak_rss_mb: null,
      },
      {
        label: '(d) `migrate verify` (clean)',
        records: null,
        seconds: big.verify.report.seconds,
        records_per_second: null,
        peak_rss_mb: big.verify.peakRssMb,
      },
      {
        // peak RSS: the higher of the two scans
        label: 'bare full scan of both stores (mean of before / after)',
        records: null,
        seconds: meanBare(r),
        records_per_second: null,
        peak_rss_mb: Math.max(...r.bare.map((b) => b.peakRssMb)),
      },
    ],
    ratios: migrationRatios(r),
    memory: [
      {
        label: 'migrate backfill',
        small_mb: small.backfill.peakRssMb,
        big_mb: big.backfill.peakRssMb,
      },
      { label: 'migrate verify', small_mb: small.verify.peakRssMb, big_mb: big.verify.peakRssMb },
    ],
    small: {
      posts: small.posts,
      backfill_records_per_second: small.backfill.rate,
      verify_seconds: small.verify.report.seconds,
    },
    naive_writes_records_per_second: naiveWritesOnly(r),
    cli_startup_peak_rss_mb: r.cliBaseline.peakRssMb,
    cpu: r.cpu.map((row) => ({
      label: row.label,
      wall_seconds: row.wallSeconds,
      by_process: row.byProcess,
      busy_cores: row.machine / row.wallSeconds,
    })),
  };
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
