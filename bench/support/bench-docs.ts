/**
 * Renders bench/results/<name>.json as the markdown between `<!-- bench:<name>:begin -->` and
 * `<!-- bench:<name>:end -->` in docs/benchmarks.md. Pure and deterministic: the same JSON gives
 * the same text, so regenerating twice changes nothing. Tables are laid out as prettier lays out
 * markdown tables (bench/docs.ts still formats the whole file with prettier afterwards).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderFaults } from './faults-docs';
import { Align, cell, codeSpan, grouped, join, notes, table } from './markdown';
import { BENCH_NAMES, resultsSource } from './results';
import type {
  BenchName,
  InputJson,
  LoadFigures,
  LoginJson,
  MigrationJson,
  PagesJson,
  Ratio,
  ResultsMeta,
  RunbookJson,
  RunbookRunJson,
  SecondaryJson,
  ScaleJson,
  ShadowJson,
  StandinJson,
  StatsJson,
} from './results';
export { cell, codeSpan, grouped, table };

const fixed = (n: number | null | undefined, digits: number) =>
  n === null || n === undefined ? '' : n.toFixed(digits);
/** Whole milliseconds (autocannon's) as they are; finer ones (timed one by one) to 0.01 ms. */
const ms = (n: number | null) => (n === null ? '' : Number.isInteger(n) ? String(n) : n.toFixed(2));
/** A ratio or what it divides: whole numbers as they are, large ones whole, small ones to 0.01. */
const value = (n: number) =>
  Number.isInteger(n) ? String(n) : Math.abs(n) >= 100 ? String(Math.round(n)) : n.toFixed(2);
/** 100000 → "100k" (for headings), else spaced. */
const short = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : grouped(n));
const SUPERSCRIPTS = ['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
const footnoteMark = (n: number) => SUPERSCRIPTS[n - 1] ?? `[${n}]`;

function optionList(options: Record<string, unknown> | undefined): string {
  const entries = Object.entries(options ?? {});
  return entries.map(([key, value]) => `\`${key}=${String(value)}\``).join(', ');
}

/** The line that says where the numbers come from. */
export function metaLine(meta: ResultsMeta): string {
  const measured = meta.commit
    ? `code \`${meta.commit}\`${meta.dirty ? ' with uncommitted changes' : ''}`
    : 'code commit not recorded';
  const machine = [
    meta.cpus === null ? null : `${meta.cpus} CPUs`,
    meta.node === null ? null : `Node ${meta.node}`,
  ].filter((part): part is string => part !== null);
  const parts = [
    meta.date ? `Run of ${meta.date}` : 'Run date not recorded',
    measured,
    ...(machine.length ? [machine.join(', ')] : []),
    ...(meta.servers ? [`servers: ${meta.servers}`] : []),
  ];
  const options = optionList(meta.options);
  return [
    `${cell(parts.join('; '))}.`,
    ...(options ? [`Options: ${options}.`] : []),
    `Source: ${cell(meta.source)}.`,
  ].join(' ');
}

function verdict(r: Ratio): string {
  if (r.value === null) return 'not measured';
  if (r.met === null) return r.target === null ? '' : 'no automatic verdict';
  return r.met ? 'met' : 'not met';
}

/** Values against their targets; a "from" column when any entry records its two parts. */
export function targetsTable(first: string, entries: Ratio[]): string {
  const withParts = entries.some((r) => r.numerator !== null && r.denominator !== null);
  const parts = (r: Ratio) =>
    r.numerator === null || r.denominator === null
      ? ''
      : `${value(r.numerator)} / ${value(r.denominator)}`;
  const head = [first, ...(withParts ? ['from'] : []), 'value', 'target', 'result'];
  const rows = entries.map((r) => [
    cell(r.name),
    ...(withParts ? [parts(r)] : []),
    r.value === null ? '' : value(r.value),
    r.target ?? 'none',
    verdict(r),
  ]);
  const align: Align[] = [
    'left',
    ...(withParts ? ['right' as const] : []),
    'right',
    'right',
    'left',
  ];
  return table(head, rows, align);
}

/** Requests/s, p50 and p99 cells; a route none of whose requests completed is starred. */
function loadCells(r: LoadFigures, seconds: unknown): [string, string, string, boolean] {
  const rps = String(Math.round(r.requests_per_second));
  if (r.p50_ms === null) {
    return [`${rps} \\*`, `> ${String(seconds ?? '?')} s`, '', true];
  }
  return [rps, ms(r.p50_ms), ms(r.p99_ms), false];
}

export function renderPages(data: PagesJson): string {
  const seconds = data.meta.options.BENCH_SECONDS;
  let starred: LoadFigures | undefined;
  const rows = data.rows.map((r) => {
    const [rps, p50, p99, star] = loadCells(r, seconds);
    if (star) starred = r;
    return [cell(r.phase), cell(r.route), rps, p50, p99];
  });
  const bad = data.rows.every((r) => r.unexpected !== null)
    ? data.rows.reduce((sum, r) => sum + (r.unexpected ?? 0), 0)
    : null;
  return join([
    metaLine(data.meta),
    table(['phase', 'route', 'req/s', 'p50 ms', 'p99 ms'], rows, [
      'left',
      'left',
      'right',
      'right',
      'right',
    ]),
    starred
      ? `\\* None of the ${starred.connections} concurrent requests finished within the ${String(seconds ?? '?')} s.`
      : '',
    bad === null ? '' : `Unexpected statuses, errors and timeouts: ${bad}.`,
    targetsTable('ratio', data.ratios),
    notes(data.notes),
  ]);
}

export function renderStats(data: StatsJson): string {
  const { BENCH_POSTS: posts, BENCH_COMMENTS: comments } = data.meta.options;
  const size =
    typeof posts === 'number' && typeof comments === 'number'
      ? `, ${short(posts)} posts / ${short(comments)} comments per store`
      : '';
  const rows = data.rows.map((r) => {
    const [rps, p50, p99] = loadCells(r, data.meta.options.BENCH_SECONDS);
    return [cell(r.label), rps, p50, p99];
  });
  return join([
    metaLine(data.meta),
    table([`GET /api/stats${size}`, 'req/s', 'p50 ms', 'p99 ms'], rows, [
      'left',
      'right',
      'right',
      'right',
    ]),
    table(
      ['one full count of each store (the background refresh)', 'seconds'],
      data.counts.map((c) => [cell(c.store), fixed(c.seconds, 1)]),
      ['left', 'right'],
    ),
    data.first_counts_after_s === null
      ? ''
      : `The first counts were served ${fixed(data.first_counts_after_s, 1)} s after start-up.`,
    targetsTable('target', data.targets),
    notes(data.notes),
  ]);
}

export function renderMigration(data: MigrationJson): string {
  const rows = data.rows.map((r) => [
    cell(r.label),
    fixed(r.seconds, 1),
    r.records_per_second === null ? '' : grouped(r.records_per_second),
    r.peak_rss_mb === null ? '' : grouped(r.peak_rss_mb),
  ]);
  const big = short(data.posts);
  const small = short(data.small.posts);
  const cpuNames = [...new Set(data.cpu.flatMap((c) => Object.keys(c.by_process)))];
  const cpuRows = data.cpu.map((c) => {
    const all = Object.values(c.by_process).reduce((sum, n) => sum + n, 0);
    return [
      cell(c.label),
      fixed(c.wall_seconds, 1),
      ...cpuNames.map((name) => fixed(c.by_process[name] ?? 0, 1)),
      fixed(all, 1),
      fixed(c.busy_cores, 2),
    ];
  });
  const smallRun = [
    data.small.backfill_records_per_second === null
      ? null
      : `backfill ran at ${grouped(data.small.backfill_records_per_second)} records/s`,
    data.small.verify_seconds === null
      ? null
      : `verify took ${fixed(data.small.verify_seconds, 1)} s`,
  ].filter((part): part is string => part !== null);
  return join([
    metaLine(data.meta),
    table(
      [
        `${grouped(data.posts)} posts + ${grouped(data.comments)} comments`,
        'seconds',
        'records/s',
        'peak RSS MiB',
      ],
      rows,
      ['left', 'right', 'right', 'right'],
    ),
    targetsTable('ratio', data.ratios),
    table(
      ['peak RSS MiB', `${small} posts`, `${big} posts`],
      data.memory.map((m) => [
        cell(m.label),
        m.small_mb === null ? '' : grouped(m.small_mb),
        m.big_mb === null ? '' : grouped(m.big_mb),
      ]),
      ['left', 'right', 'right'],
    ),
    [
      ...(smallRun.length ? [`At ${small} posts ${smallRun.join(' and ')}.`] : []),
      ...(data.naive_writes_records_per_second === null
        ? []
        : [
            `The naive copy's Cassandra writes alone, one at a time, ran at ${grouped(data.naive_writes_records_per_second)} records/s.`,
          ]),
      ...(data.cli_startup_peak_rss_mb === null
        ? []
        : [
            `The CLI starting and doing nothing else peaks at ${grouped(data.cli_startup_peak_rss_mb)} MiB.`,
          ]),
    ].join(' '),
    cpuRows.length
      ? table(['CPU seconds', 'wall s', ...cpuNames, 'all', 'busy cores'], cpuRows, [
          'left',
          'right',
          ...cpuNames.map(() => 'right' as const),
          'right',
          'right',
        ])
      : '',
    notes(data.notes),
  ]);
}

const code = (text: string) => codeSpan(text, true);

function stepCell(step: RunbookRunJson['steps'][number] | undefined, mark: string): string {
  if (!step || step.seconds === null) return '(not run)';
  const exit = step.exit_code === 0 || step.exit_code === null ? '' : `, exit ${step.exit_code}`;
  return `${step.seconds.toFixed(1)} s${exit}${mark}`;
}

function runSummary(run: RunbookRunJson): string {
  const parts: string[] = [];
  // a run's own code and date when they differ from the file's (transcribed runs)
  if (run.commit) parts.push(`code \`${run.commit}\``);
  if (run.date) parts.push(run.date);
  const options = optionList(run.options);
  if (options) parts.push(options);
  const lines = [`- **${cell(run.label)}**${parts.length ? ` (${parts.join('; ')})` : ''}`];
  const facts: string[] = [];
  if (run.load) {
    const minutes = Math.round(run.load.seconds / 60);
    const slowest =
      run.load.slowest_ms === null ? '' : `, slowest ${fixed(run.load.slowest_ms / 1000, 1)} s`;
    facts.push(
      `${grouped(run.load.requests)} requests in ${minutes} min over the app instances, ${run.load.failed} failed${slowest}`,
    );
  }
  if (run.app_peak_rss_mb) {
    facts.push(
      `app instances' peak RSS ${run.app_peak_rss_mb.map((mb) => grouped(mb)).join(', ')} MiB`,
    );
  }
  if (facts.length) lines[0] += `: ${facts.join('; ')}.`;
  lines.push(...(run.notes ?? []).map((note) => `  - ${cell(note)}`));
  lines.push(...(run.failures ?? []).map((failure) => `  - failed request: ${codeSpan(failure)}`));
  return lines.join('\n');
}

/** A run's own table of what the bench printed, when it recorded more than the times. */
function runDetails(run: RunbookRunJson): string {
  const detailed = run.steps.some(
    (s) => s.key !== null || s.peak_rss_mb !== null || s.load !== null,
  );
  if (!detailed) return '';
  const rows = run.steps.map((s) => [
    s.step,
    code(s.command),
    fixed(s.seconds, 1),
    s.exit_code === null ? '' : String(s.exit_code),
    s.peak_rss_mb === null ? '' : grouped(s.peak_rss_mb),
    s.load ? `${s.load.requests}/${s.load.failed}/${s.load.max_ms}` : '',
    s.key ? code(s.key) : '',
  ]);
  return join([
    `**${cell(run.label)}**, step by step (CLI peak RSS; the load's requests / failures / slowest ms during the step; the command's key output):`,
    table(['#', 'command', 's', 'exit', 'RSS MiB', 'load', 'key line'], rows, [
      'left',
      'left',
      'right',
      'right',
      'right',
      'right',
      'left',
    ]),
  ]);
}

export function renderRunbook(data: RunbookJson): string {
  const timed = data.runs.filter((run) => run.steps.length > 0);
  const keys: string[] = [];
  const key = (s: { step: string; command: string }) => `${s.step}\u0000${s.command}`;
  for (const run of timed) for (const s of run.steps) if (!keys.includes(key(s))) keys.push(key(s));
  const footnotes: string[] = [];
  const rows = keys.map((k) => {
    const [step, command] = k.split('\u0000');
    return [
      step,
      code(command),
      ...timed.map((run) => {
        const found = run.steps.find((s) => key(s) === k);
        if (!found?.note) return stepCell(found, '');
        footnotes.push(found.note);
        return stepCell(found, ` ${footnoteMark(footnotes.length)}`);
      }),
    ];
  });
  return join([
    metaLine(data.meta),
    timed.length
      ? table(['#', 'command (`npm run cli -- …`)', ...timed.map((run) => cell(run.label))], rows, [
          'left',
          'left',
          ...timed.map(() => 'right' as const),
        ])
      : '',
    footnotes.map((note, i) => `${footnoteMark(i + 1)} ${cell(note)}`).join('\n\n'),
    data.runs.map(runSummary),
    ...data.runs.map(runDetails),
    notes(data.notes),
  ]);
}

/** os.loadavg() figures as recorded: 1, 5 and 15 min, or the one figure transcribed. */
const loadAverage = (figures: number[]) => figures.map((n) => n.toFixed(1)).join(' ');

export function renderInput(data: InputJson): string {
  const target = value(data.target_ms);
  const share = (n: number) => (n / data.target_ms).toFixed(2);
  const rows = data.rows.map((r) => [
    cell(r.limit),
    // the control row (the noise floor) in italics
    r.control ? `_${cell(r.body)}_` : cell(r.body),
    grouped(r.bytes),
    r.statuses.join(', '),
    fixed(r.p50_ms, 1),
    fixed(r.max_ms, 1),
    fixed(r.loop_max_ms, 1),
    fixed(r.busy_ms_per_request, 1),
    share(r.p50_ms),
    share(r.max_ms),
    share(r.loop_max_ms),
  ]);
  const { start, end } = data.load_average;
  const all = end === null ? [start] : [start, end];
  const minutes = all.every((figures) => figures.length === 3) ? ' (1, 5, 15 min)' : '';
  const load = [
    `Load average${minutes} when the bodies started: ${loadAverage(start)}`,
    ...(end === null ? [] : [`when they ended: ${loadAverage(end)}`]),
    ...(data.meta.cpus === null ? [] : [`${data.meta.cpus} CPUs`]),
  ].join('; ');
  return join([
    metaLine(data.meta),
    `${load}.`,
    table(
      [
        'limit',
        'body',
        'bytes',
        'status',
        'p50 ms',
        'max ms',
        'loop max ms',
        'busy ms/req',
        `p50/${target}`,
        `max/${target}`,
        `loop/${target}`,
      ],
      rows,
      ['left', 'left', 'right', 'left', ...Array<Align>(7).fill('right')],
    ),
    targetsTable('target', data.targets),
    notes(data.notes),
  ]);
}

export function renderShadow(data: ShadowJson): string {
  const rows = data.rows.map((r) => {
    const [rps, p50, p99] = loadCells(r, data.meta.options.BENCH_SECONDS);
    return [cell(r.rate), rps, p50, p99];
  });
  const s = data.samples;
  return join([
    metaLine(data.meta),
    table(['GET / in `dual-write`', 'req/s', 'p50 ms', 'p99 ms'], rows, [
      'left',
      'right',
      'right',
      'right',
    ]),
    `Samples at rate 1: ${grouped(s.matched)} matched, ${grouped(s.mismatched)} mismatched, ${grouped(s.errors)} errors, ${grouped(s.dropped)} dropped (queue full).`,
    targetsTable('ratio', data.ratios),
    notes(data.notes),
  ]);
}

export function renderLogin(data: LoginJson): string {
  const rows = data.rows.map((r) => [
    cell(r.kind),
    r.statuses.join(', '),
    fixed(r.p50_ms, 1),
    fixed(r.p90_ms, 1),
    fixed(r.mean_ms, 1),
  ]);
  const { start, end } = data.load_average;
  const load = `Load average (1, 5, 15 min) at the start: ${loadAverage(start)}${end ? `; at the end: ${loadAverage(end)}` : ''}.`;
  return join([
    metaLine(data.meta),
    load,
    table(['failed sign-in', 'status', 'p50 ms', 'p90 ms', 'mean ms'], rows, [
      'left',
      'left',
      'right',
      'right',
      'right',
    ]),
    targetsTable('ratio', data.ratios),
    notes(data.notes),
  ]);
}

export function renderSecondary(data: SecondaryJson): string {
  const steps = data.steps.map((s) => [
    grouped(s.target_per_second),
    fixed(s.achieved_per_second, 0),
    grouped(s.missed),
    `${grouped(s.pending_start)} → ${grouped(s.pending_end)}`,
    s.kept_up ? 'yes' : 'no',
  ]);
  const drains = data.drains.map((d) => [
    cell(d.label),
    grouped(d.hints),
    fixed(d.seconds, 1),
    fixed(d.hints_per_second, 0),
  ]);
  const sustained = data.sustained_per_second;
  return join([
    metaLine(data.meta),
    `\`cassandra-primary\`, secondary: ${cell(data.secondary)}; ${data.clients} clients, ${data.step_seconds} s per rate. Sustained: **${sustained === null ? 'none of the rates' : `${grouped(sustained)} writes/s`}**.`,
    table(['writes/s asked', 'made', 'hinted', 'pending hints', 'kept up'], steps, [
      'right',
      'right',
      'right',
      'left',
      'left',
    ]),
    table(['hint retry', 'hints', 'seconds', 'hints/s'], drains, [
      'left',
      'right',
      'right',
      'right',
    ]),
    targetsTable('ratio', data.ratios),
    notes(data.notes),
  ]);
}

/** A latency to three significant figures or so: 0.93, 8.8, 108, 7657. */
const latency = (n: number | null) =>
  n === null ? '' : n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2);

export function renderStandin(data: StandinJson): string {
  const columns = [...new Set(data.rows.map((r) => `${r.posts}\u0000${r.candidate}`))]
    .map((key) => key.split('\u0000'))
    .map(([posts, candidate]) => ({ posts: Number(posts), candidate }))
    .sort((a, b) => a.posts - b.posts);
  const head = columns.map((c) => `${cell(c.candidate)} ${short(c.posts)}`);
  const grid = (
    connections: (n: number) => boolean,
    show: (r: StandinJson['rows'][0]) => string,
  ) => {
    const queries = [
      ...new Set(data.rows.filter((r) => connections(r.connections)).map((r) => r.query)),
    ];
    return queries.map((query) => [
      cell(query),
      ...columns.map((c) => {
        const row = data.rows.find(
          (r) =>
            r.query === query &&
            r.posts === c.posts &&
            r.candidate === c.candidate &&
            connections(r.connections),
        );
        return row ? show(row) : '';
      }),
    ]);
  };
  const align: Align[] = ['left', ...columns.map(() => 'right' as const)];
  const alone = grid(
    (n) => n === 1,
    (r) => `${latency(r.p50_ms)} / ${latency(r.p99_ms)}`,
  );
  const load = data.rows.find((r) => r.connections > 1)?.connections;
  const underLoad = grid(
    (n) => n > 1,
    (r) =>
      `${r.p50_ms === null ? 'unanswered' : `${latency(r.p50_ms)} / ${latency(r.max_ms)}`}; ${r.over_10s ?? '?'} of ${r.samples} over 10 s${r.failed ? `, ${r.failed} failed` : ''}`,
  );
  const runTime =
    data.run_seconds === null
      ? ''
      : `The run took ${Math.round(data.run_seconds / 60)} min, seeding included.`;
  return join([
    metaLine(data.meta),
    runTime,
    table(['one call at a time: p50 / p99 ms', ...head], alone, align),
    load ? table([`${load} calls at once: p50 / max ms`, ...head], underLoad, align) : '',
    notes(data.notes),
  ]);
}

const mib = (bytes: number | null) => (bytes === null ? '' : grouped(bytes / 2 ** 20));
const sizeLabel = (n: number) =>
  n >= 1e6 && n % 1e6 === 0
    ? `${n / 1e6}M`
    : n >= 1000 && n % 1000 === 0
      ? `${n / 1000}k`
      : grouped(n);

/** ", measured <date> on code <commit>": a part of a file can come from an earlier run. */
const measuredOn = (m: { date: string; commit: string | null; dirty: boolean | null }) =>
  `, measured ${m.date} on code \`${m.commit ?? '?'}\`${m.dirty ? ' with uncommitted changes' : ''}`;

export function renderScale(data: ScaleJson): string {
  const seconds = data.meta.options.BENCH_SECONDS;
  const sizes = data.sizes.map((s) => s.posts);
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  const routes = [...new Set(data.rows.map((r) => r.route))];
  const find = (posts: number, route: string) =>
    data.rows.find((r) => r.posts === posts && r.route === route);
  const keyspaces = data.sizes.some((s) => s.keyspace !== undefined);
  const seeding = table(
    [
      ...(keyspaces ? ['keyspace'] : []),
      'posts',
      'comments',
      'rows written',
      'seconds',
      'rows/s',
      'keyspace on disk, MiB',
      'load average',
    ],
    data.sizes.map((s) => [
      ...(keyspaces ? [s.keyspace === undefined ? '' : codeSpan(s.keyspace, true)] : []),
      grouped(s.posts),
      grouped(s.comments),
      grouped(s.rows),
      grouped(s.seed_seconds),
      grouped(s.rows_per_second),
      mib(s.data_bytes),
      loadAverage(s.load_average ?? []),
    ]),
    [...(keyspaces ? ['left' as const] : []), ...Array<Align>(7).fill('right')],
  );
  const ratioHead = sizes.length > 1 ? [`p50 ${sizeLabel(large)}/${sizeLabel(small)}`] : [];
  const head = [
    'route',
    ...sizes.flatMap((n) => [`${sizeLabel(n)} req/s`, `${sizeLabel(n)} p50/p99 ms`]),
    ...ratioHead,
  ];
  const rows = routes.map((route) => {
    const cells = sizes.flatMap((n) => {
      const r = find(n, route);
      if (!r) return ['', ''];
      const [rps, p50, p99] = loadCells(r, seconds);
      return [rps, p99 ? `${p50} / ${p99}` : p50];
    });
    const ratio = data.ratios.find((x) => x.name.startsWith(`${route} p50`));
    const ratioCell =
      ratio?.value === null || ratio?.value === undefined
        ? ''
        : `${ratio.value.toFixed(2)} ${ratio.target === null ? 'control' : ratio.met ? 'pass' : 'FAIL'}`;
    return [cell(route), ...cells, ...(sizes.length > 1 ? [ratioCell] : [])];
  });
  const align: Align[] = ['left', ...head.slice(1).map(() => 'right' as const)];
  const rounds = data.rounds ?? 1;
  const connections = data.rows[0]?.connections;
  const routesIntro =
    rounds > 1
      ? `Medians of ${rounds} rounds; in each round ${data.interleave === 'route' ? 'a fresh app per size, and every route on every size one after the other' : 'every size in turn with a fresh app, all its routes'} (the sizes' order rotated from round to round), ${connections ?? '?'} connections for ${String(seconds ?? '?')} s per route:`
      : '';
  const perRound = data.round_ratios ?? [];
  const roundNumbers = [...new Set(perRound.map((r) => r.round))].sort((a, b) => a - b);
  const roundsTable =
    sizes.length > 1 && roundNumbers.length > 1
      ? table(
          [
            `p50 ${sizeLabel(large)}/${sizeLabel(small)} in each round`,
            ...roundNumbers.map((n) => `round ${n}`),
          ],
          routes.map((route) => [
            cell(route),
            ...roundNumbers.map((n) => {
              const v = perRound.find((r) => r.round === n && r.route === route)?.value;
              return v === null || v === undefined ? '' : v.toFixed(2);
            }),
          ]),
          ['left', ...roundNumbers.map(() => 'right' as const)],
        )
      : '';
  const mongo = data.mongo;
  const mongoBlock = mongo
    ? [
        `The Mongo store's queries in \`mongo\` on ${cell(mongo.server)}, ${grouped(mongo.posts)} posts / ${grouped(mongo.comments)} comments, one at a time (seeded in ${grouped(mongo.seed_seconds)} s; over ${grouped(mongo.timeout_ms / 1000)} s is a timeout)${measuredOn(mongo)}:`,
        '',
        table(
          ['query', 'samples', 'timeouts', 'errors', 'p50 ms', 'p99 ms', 'max ms'],
          mongo.rows.map((r) => [
            cell(r.query),
            grouped(r.samples),
            grouped(r.timeouts),
            grouped(r.errors),
            fixed(r.p50_ms, 1),
            fixed(r.p99_ms, 1),
            fixed(r.max_ms, 1),
          ]),
          ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
        ),
        ...(mongo.pages?.length ? ['', mongoPages(mongo.pages)] : []),
      ]
    : '';
  const cassandra = data.sizes.length > 0;
  return join([
    metaLine(data.meta),
    cassandra && data.cassandra_measured
      ? `In \`cassandra\`${measuredOn(data.cassandra_measured)}:`
      : '',
    cassandra ? seeding : '',
    cassandra ? routesIntro : '',
    cassandra ? table(head, rows, align) : '',
    data.ratios.length ? targetsTable('ratio', data.ratios) : '',
    cassandra ? roundsTable : '',
    mongoBlock,
    notes(data.notes),
  ]);
}

/** The issue's targets in `mongo`: one request at a time, by route (none for the title sort). */
const MONGO_PAGE_TARGETS_MS: Record<string, number> = {
  'GET /post/:id (50 comments)': 100,
  'GET / (home)': 250,
  'GET /?cursor= (50 pages in)': 250,
};
/** Under load no request may take longer. */
const MONGO_PAGE_WORST_MS = 10_000;

/** bench:scale's MongoDB part over HTTP: each route alone and under load, against its targets. */
function mongoPages(pages: NonNullable<NonNullable<ScaleJson['mongo']>['pages']>): string {
  const loaded = Math.max(...pages.map((p) => p.connections));
  const targets: Ratio[] = pages.flatMap((p): Ratio[] => {
    if (p.connections === 1) {
      const target = MONGO_PAGE_TARGETS_MS[p.route];
      if (target === undefined) return [];
      return [
        {
          name: `${p.route} p50 ms, alone`,
          numerator: null,
          denominator: null,
          value: p.p50_ms,
          target: `< ${grouped(target)}`,
          met: p.p50_ms !== null && p.unexpected === 0 && p.p50_ms < target,
        },
      ];
    }
    return [
      {
        name: `${p.route} slowest ms, ${p.connections} at once`,
        numerator: null,
        denominator: null,
        value: p.max_ms,
        target: `≤ ${grouped(MONGO_PAGE_WORST_MS)}, none failed`,
        met: p.max_ms !== null && p.unexpected === 0 && p.max_ms <= MONGO_PAGE_WORST_MS,
      },
    ];
  });
  return join([
    `The app's pages on the same data, in \`mongo\` over HTTP: each route one request at a time, then ${loaded} at once (unexpected: errors, timeouts and answers other than 200):`,
    table(
      ['route', 'at once', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'unexpected'],
      pages.map((p) => [
        cell(p.route),
        String(p.connections),
        String(Math.round(p.requests_per_second)),
        fixed(p.p50_ms, 1),
        fixed(p.p99_ms, 1),
        fixed(p.max_ms, 1),
        grouped(p.unexpected),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    targetsTable('target in `mongo`', targets),
  ]);
}

const RENDERERS: Record<BenchName, (data: never) => string> = {
  pages: renderPages,
  stats: renderStats,
  migration: renderMigration,
  runbook: renderRunbook,
  input: renderInput,
  shadow: renderShadow,
  login: renderLogin,
  secondary: renderSecondary,
  standin: renderStandin,
  scale: renderScale,
  faults: renderFaults,
};

/** The block for one benchmark from its JSON text (a message when the file is missing). */
export function renderBlock(name: BenchName, json: string | undefined): string {
  if (json === undefined) return `_No results yet: run \`${resultsSource(name)}\`._`;
  const data = JSON.parse(json) as { meta?: unknown };
  if (typeof data !== 'object' || data === null || typeof data.meta !== 'object') {
    throw new Error('no "meta" object');
  }
  return (RENDERERS[name] as (data: unknown) => string)(data);
}

const MARKER = /<!-- bench:([a-z-]+):(begin|end) -->/g;

/**
 * Replaces the text between each benchmark's begin and end markers with `render(name)`.
 * Throws on an unknown name, an unpaired or repeated marker: the document stays as it was.
 */
export function replaceBlocks(markdown: string, render: (name: BenchName) => string): string {
  const found = [...markdown.matchAll(MARKER)];
  const out: string[] = [];
  let at = 0;
  const seen = new Set<string>();
  for (let i = 0; i < found.length; i += 2) {
    const [begin, end] = [found[i], found[i + 1]];
    const name = begin[1];
    if (begin[2] !== 'begin' || !end || end[1] !== name || end[2] !== 'end') {
      throw new Error(
        `benchmarks doc: marker ${begin[0]} has no matching <!-- bench:${name}:end -->`,
      );
    }
    if (!BENCH_NAMES.includes(name as BenchName))
      throw new Error(`benchmarks doc: unknown benchmark "${name}"`);
    if (seen.has(name)) throw new Error(`benchmarks doc: two blocks for "${name}"`);
    seen.add(name);
    const inner = begin.index + begin[0].length;
    out.push(markdown.slice(at, inner), `\n\n${render(name as BenchName)}\n\n`);
    at = end.index;
  }
  out.push(markdown.slice(at));
  return out.join('');
}

/** The document with every block regenerated from `<resultsDir>/<name>.json`. */
export function generateBenchmarkDoc(markdown: string, resultsDir: string): string {
  return replaceBlocks(markdown, (name) => {
    const file = path.join(resultsDir, `${name}.json`);
    const json = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    try {
      return renderBlock(name, json);
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
