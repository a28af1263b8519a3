/**
 * What each benchmark leaves behind besides its console output: bench/results/<name>.json, read
 * by `npm run bench:docs` (bench/docs.ts) to regenerate the tables of docs/benchmarks.md. The
 * shapes below are that contract; every number is as measured (rounding is the renderer's), and
 * a value a run did not measure is null.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const BENCH_NAMES = [
  'pages',
  'stats',
  'migration',
  'runbook',
  'input',
  'shadow',
  'login',
  'secondary',
  'standin',
  'scale',
  'faults',
] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

const ROOT = path.resolve(__dirname, '..', '..');
/** Where the runs write and bench:docs reads (BENCH_RESULTS_DIR overrides it). */
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

export type OptionValue = string | number | boolean;

/** How a results file came to be. */
export interface ResultsMeta {
  /** `npm run bench:<name>`, or where transcribed numbers came from */
  source: string;
  /** when the run finished (ISO 8601), or the day(s) of a transcribed run */
  date: string | null;
  /** `git rev-parse --short HEAD` of the measured code; null when not recorded */
  commit: string | null;
  /** whether files other than bench/results had uncommitted changes */
  dirty: boolean | null;
  node: string | null;
  cpus: number | null;
  /** the database servers the run used */
  servers: string | null;
  /** the options that shaped the run, defaults applied (BENCH_POSTS, …) */
  options: Record<string, OptionValue>;
}

/** A measured value against its target. */
export interface Ratio {
  name: string;
  /** the measured values it divides, when it is a ratio of two */
  numerator: number | null;
  denominator: number | null;
  /** null: not measured (a narrowed run) */
  value: number | null;
  /** e.g. "≥ 0.30"; null: no target, shown for information */
  target: string | null;
  /** null: no target, or no automatic verdict */
  met: boolean | null;
}

/** Requests/s and latency of one route; p50/p99 are null when no request completed. */
export interface LoadFigures {
  connections: number;
  requests_per_second: number;
  p50_ms: number | null;
  p99_ms: number | null;
  /** responses counted (null: not recorded) */
  requests: number | null;
  /** unexpected statuses, errors and timeouts (null: not recorded) */
  unexpected: number | null;
}

export interface PagesJson {
  meta: ResultsMeta;
  rows: Array<LoadFigures & { phase: string; route: string }>;
  ratios: Ratio[];
  /** markdown, written by hand (transcribed results) */
  notes?: string[];
}

/** bench:shadow: the home page in dual-write at SHADOW_READ_RATE 0 and 1 (means of rounds). */
export interface ShadowJson {
  meta: ResultsMeta;
  rows: Array<LoadFigures & { rate: string }>;
  ratios: Ratio[];
  /** what the rate-1 app's samples came to */
  samples: { matched: number; mismatched: number; errors: number; dropped: number };
  notes?: string[];
}

export interface StatsJson {
  meta: ResultsMeta;
  rows: Array<LoadFigures & { label: string }>;
  /** one full count of each store, as the background refresh does it */
  counts: Array<{ store: string; seconds: number; posts: number | null; comments: number | null }>;
  /** from the app's start until /api/stats served the first counts */
  first_counts_after_s: number | null;
  targets: Ratio[];
  /** markdown, written by hand (transcribed results) */
  notes?: string[];
}

export interface MigrationJson {
  meta: ResultsMeta;
  posts: number;
  comments: number;
  rows: Array<{
    label: string;
    records: number | null;
    seconds: number;
    records_per_second: number | null;
    peak_rss_mb: number | null;
  }>;
  ratios: Ratio[];
  /** peak RSS (MiB) of the CLI at the small and the big size */
  memory: Array<{ label: string; small_mb: number | null; big_mb: number | null }>;
  small: {
    posts: number;
    backfill_records_per_second: number | null;
    verify_seconds: number | null;
  };
  /** the naive copy counting only its Cassandra writes, one at a time */
  naive_writes_records_per_second: number | null;
  /** the CLI starting and doing next to nothing (schema status) */
  cli_startup_peak_rss_mb: number | null;
  /** CPU seconds per process during each measurement */
  cpu: Array<{
    label: string;
    wall_seconds: number | null;
    by_process: Record<string, number>;
    busy_cores: number | null;
  }>;
  /** markdown, written by hand (transcribed results) */
  notes?: string[];
}

export interface RunbookStepJson {
  step: string;
  command: string;
  /** null: not run */
  seconds: number | null;
  exit_code: number | null;
  /** the CLI child's peak RSS, MiB */
  peak_rss_mb: number | null;
  /** the load's requests, failures and slowest answer while the step ran */
  load: { requests: number; failed: number; max_ms: number } | null;
  /** the line(s) of the command's output an operator looks at */
  key: string | null;
  /** markdown, shown as a footnote (transcribed runs) */
  note?: string;
}

export interface RunbookRunJson {
  label: string;
  /** set when it differs from the file's meta (transcribed runs) */
  commit?: string | null;
  date?: string | null;
  options?: Record<string, OptionValue>;
  steps: RunbookStepJson[];
  load: { requests: number; failed: number; slowest_ms: number | null; seconds: number } | null;
  app_peak_rss_mb: number[] | null;
  /** the load's failed requests as the bench printed them (plain text, the first 20) */
  failures?: string[];
  /** markdown, written by hand (transcribed runs) */
  notes?: string[];
}

export interface RunbookJson {
  meta: ResultsMeta;
  runs: RunbookRunJson[];
  /** markdown, written by hand (transcribed results) */
  notes?: string[];
}

/** One body sent BENCH_INPUT_ROUNDS times to one app, as bench:input prints it. */
export interface InputRowJson {
  /** the app's body limit, plain text: "HTTP_BODY_LIMIT=4mb", "default (640 KiB)" */
  limit: string;
  /** the limit in bytes */
  limit_bytes: number;
  /** plain text: "110 000 keys, JSON" */
  body: string;
  /** the body's size */
  bytes: number;
  /** the noise floor: a 1-byte malformed body, same route and status */
  control: boolean;
  /** the statuses the rounds got (the bench fails on any but the expected one) */
  statuses: number[];
  /** refusal time, first byte sent to last byte received, over the rounds */
  p50_ms: number;
  max_ms: number;
  /** the app's longest event-loop delay while this body was sent (1 ms resolution) */
  loop_max_ms: number;
  /** the app thread's active time per request (eventLoopUtilization: this thread only) */
  busy_ms_per_request: number;
}

export interface InputJson {
  meta: ResultsMeta;
  /** os.loadavg() (1, 5, 15 min) when the bodies started and when they ended */
  load_average: { start: number[]; end: number[] | null };
  /** the refusal and event-loop target, ms (issue 15: 50) */
  target_ms: number;
  rows: InputRowJson[];
  /** the slowest refusal and the longest loop delay against target_ms; the control's for scale */
  targets: Ratio[];
  /** markdown, written by hand (transcribed results) */
  notes?: string[];
}

/** One kind of failed sign-in sent BENCH_LOGIN_ROUNDS times, as bench:login prints it. */
export interface LoginRowJson {
  /** plain text: "unknown username" */
  kind: string;
  /** the statuses the rounds got (the bench fails on any but 401) */
  statuses: number[];
  p50_ms: number;
  p90_ms: number;
  mean_ms: number;
}

export interface LoginJson {
  meta: ResultsMeta;
  /** os.loadavg() (1, 5, 15 min) when the rounds started and when they ended */
  load_average: { start: number[]; end: number[] | null };
  rows: LoginRowJson[];
  /** each other kind's p50 over the wrong-password p50 */
  ratios: Ratio[];
  /** markdown, written by hand */
  notes?: string[];
}

/** One step of bench:secondary's write rate: did the secondary keep up with it? */
export interface SecondaryStepJson {
  /** writes/s asked for, and what the clients managed */
  target_per_second: number;
  achieved_per_second: number;
  /** copies hinted during the step (missed, shed or failed) */
  missed: number;
  /** pending hints when the step began and ended (the hint retry running as scheduled) */
  pending_start: number;
  pending_end: number;
  kept_up: boolean;
}

/** One drain of bench:secondary's backlog. */
export interface SecondaryDrainJson {
  /** plain text: "before: one by one, batch 100, concurrency 8" */
  label: string;
  hints: number;
  seconds: number;
  hints_per_second: number;
}

export interface SecondaryJson {
  meta: ResultsMeta;
  /** the phase measured and the secondary's server, plain text */
  secondary: string;
  clients: number;
  step_seconds: number;
  steps: SecondaryStepJson[];
  /** the highest step kept up with; null when none was */
  sustained_per_second: number | null;
  drains: SecondaryDrainJson[];
  /** the new defaults' drain rate over the old code's (and over the old settings') */
  ratios: Ratio[];
  notes?: string[];
}

/** One store query on one MongoDB stand-in at one size, as bench:standin prints it. */
export interface StandinRowJson {
  /** STACK_MONGO's value */
  candidate: string;
  posts: number;
  /** plain text: "home (newest 20)" */
  query: string;
  /** 1: one call at a time; more: that many calls at once for the load's seconds */
  connections: number;
  p50_ms: number | null;
  p99_ms: number | null;
  samples: number;
  /** under load only (null alone): the slowest call, calls over 10 s, failed calls */
  max_ms: number | null;
  over_10s: number | null;
  failed: number | null;
}

export interface StandinJson {
  meta: ResultsMeta;
  rows: StandinRowJson[];
  /** the whole run, seeding included */
  run_seconds: number | null;
  /** markdown, written by hand */
  notes?: string[];
}

/** One size of bench:scale: how it was seeded (this step only: sizes grow) and its disk use. */
export interface ScaleSizeJson {
  posts: number;
  comments: number;
  /** posts and comments this step added to the previous size */
  added_posts: number;
  added_comments: number;
  /** Cassandra rows this step wrote (every query table, listing partitions included) */
  rows: number;
  seed_seconds: number;
  rows_per_second: number;
  /** the keyspace's SSTables after a flush, bytes; null: data folder unknown (given servers) */
  data_bytes: number | null;
  /** os.loadavg() (1, 5, 15 min) when its routes started: the machine is shared */
  load_average: number[];
  /** the size's own keyspace (absent: the sizes grew in one keyspace, before 2026-12-05) */
  keyspace?: string;
  /** rows this run wrote (0: the keyspace was complete already; the rate is over every run) */
  rows_this_run?: number;
}

/** One route's p50 at the largest size over the smallest, within one round. */
export interface ScaleRoundRatioJson {
  round: number;
  route: string;
  value: number | null;
}

/** One of the Mongo store's queries timed one at a time (bench:scale, phase `mongo`). */
export interface ScaleMongoRowJson {
  query: string;
  samples: number;
  /** over the timeout (MONGO_TIMEOUT_MS): not in the percentiles */
  timeouts: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

/** A page of the app in `mongo` (bench:scale's MongoDB part), alone or under load. */
export interface ScaleMongoPageJson {
  route: string;
  connections: number;
  requests_per_second: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  requests: number;
  unexpected: number;
}

export interface ScaleMeasured {
  date: string;
  commit: string | null;
  dirty: boolean | null;
}

/** bench:scale: the pages in `cassandra` as the data grows, and the Mongo store's queries. */
export interface ScaleJson {
  meta: ResultsMeta;
  sizes: ScaleSizeJson[];
  /** per size and route: the median of the rounds (one round before 2026-12-05) */
  rows: Array<LoadFigures & { posts: number; route: string }>;
  /** per route, p50 at the largest size over p50 at the smallest (target ≤ 1.30) */
  ratios: Ratio[];
  /**
   * how a round orders its measurements: 'route' (each route on every size, one after the
   * other); absent: every route of one size, then the next size
   */
  interleave?: 'route';
  /** rounds measured (absent: one, before 2026-12-05) */
  rounds?: number;
  /** every round's figures, per size and route */
  round_rows?: Array<LoadFigures & { posts: number; route: string; round: number }>;
  /** the ratios within each round */
  round_ratios?: ScaleRoundRatioJson[];
  /** when the Cassandra part was measured (a run may measure one part only: BENCH_SCALE_PARTS) */
  cassandra_measured: ScaleMeasured | null;
  mongo:
    | (ScaleMeasured & {
        /** the server measured, e.g. "FerretDB 1.24 on SQLite (the stack)" */
        server: string;
        posts: number;
        comments: number;
        seed_seconds: number;
        timeout_ms: number;
        rows: ScaleMongoRowJson[];
        /** the app's pages over HTTP on the same data (absent before 2026-12-06) */
        pages?: ScaleMongoPageJson[];
      })
    | null;
  /** markdown, written by hand */
  notes?: string[];
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return null;
  }
}

/** The command that writes bench/results/<name>.json: the fault tier's report is a test run's. */
export function resultsSource(name: BenchName): string {
  return name === 'faults' ? 'npm run test:faults' : `npm run bench:${name}`;
}

/** One fault test's report (test/faults): its load figures and its own numbers, as it gave them. */
export interface FaultsTestJson {
  /** when the test reported, the code it ran and the machine's 1-minute load average then */
  at: string;
  commit: string | null;
  dirty: boolean | null;
  load_average: number | null;
  /** the MongoDB stand-in of the run (STACK_MONGO or the stack's default) */
  mongo: string | null;
  requests: number;
  failed: number;
  p99Ms: number;
  worstMs: number;
  [figure: string]: unknown;
}

/**
 * The fault tier's reports (`npm run test:faults`, or one file of it): each test's entry keeps
 * the run that last reported it, so a partial run updates only its own tests.
 */
export interface FaultsJson {
  meta: ResultsMeta;
  tests: Record<string, FaultsTestJson>;
  notes?: string[];
}

/** The meta of a run that ends now: date, code, machine, servers and the given options. */
export function resultsMeta(
  name: BenchName,
  options: Record<string, OptionValue | undefined>,
): ResultsMeta {
  const changes = git([
    'status',
    '--porcelain',
    '--untracked-files=no',
    '--',
    '.',
    ':!bench/results',
  ]);
  const given = process.env.BENCH_MONGO_URL && process.env.BENCH_CASSANDRA_CONTACT_POINTS;
  return {
    source: resultsSource(name),
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: changes === null ? null : changes.length > 0,
    node: process.version,
    cpus: os.cpus().length,
    servers: given
      ? 'given by BENCH_MONGO_URL and BENCH_CASSANDRA_CONTACT_POINTS'
      : 'the test stack (Cassandra and FerretDB, scripts/stack)',
    options: Object.fromEntries(
      Object.entries(options).filter(
        (entry): entry is [string, OptionValue] => entry[1] !== undefined,
      ),
    ),
  };
}

/** NaN and infinities (ratios of what a narrowed run did not measure) become null. */
const finite = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isFinite(value) ? null : value;

/** Formats a file's text as `prettier --write` would, so the repository's lint stays clean. */
export async function formatLikePrettier(text: string, filepath: string): Promise<string> {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(text, { ...config, filepath });
}

/** Writes bench/results/<name>.json (or into BENCH_RESULTS_DIR); returns its path. */
export async function writeResults(name: BenchName, data: object): Promise<string> {
  const dir = process.env.BENCH_RESULTS_DIR ?? RESULTS_DIR;
  const file = path.join(dir, `${name}.json`);
  const json = `${JSON.stringify(data, finite, 2)}\n`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, await formatLikePrettier(json, file).catch(() => json));
  return file;
}
