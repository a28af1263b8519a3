/**
 * Renders bench/results/faults.json (the fault tier's reports, test/faults) as the tables of
 * docs/faults.md: one per test, each with the run(s) its rows come from. Pure and deterministic,
 * as bench-docs.ts. A report under a name it does not know is an error, so a renamed test cannot
 * leave its table silently stale.
 */
import { MIGRATION_PHASES, StoreName, phasePlan } from '../../src/config/migration-phase';
import { Align, grouped, join, notes, table } from './markdown';
import type { FaultsJson, FaultsTestJson } from './results';

type Entry = FaultsTestJson;

const STORE_LABELS: Record<StoreName, string> = { mongo: 'MongoDB', cassandra: 'Cassandra' };
const MONGO_LABELS: Record<string, string> = {
  'ferretdb-postgres': 'FerretDB on PostgreSQL',
  'ferretdb-sqlite': 'FerretDB on SQLite',
};

const num = (entry: Entry, key: string): number | undefined => {
  const value = entry[key];
  return typeof value === 'number' ? value : undefined;
};
const sub = (entry: Entry, key: string): Entry | undefined => {
  const value = entry[key];
  return typeof value === 'object' && value !== null ? (value as Entry) : undefined;
};
/** A whole number spaced (a count, or milliseconds under an "ms" heading); `–`: not reported. */
const count = (n: number | undefined) => (n === undefined ? '–' : grouped(n));
const ms = count;
const milliseconds = (n: number | undefined) => (n === undefined ? '–' : `${grouped(n)} ms`);
const seconds = (n: number | undefined) => (n === undefined ? '–' : `${(n / 1000).toFixed(1)} s`);
const verify = (entry: Entry) =>
  entry.verifyClean === true ? 'clean' : entry.verifyClean === false ? 'not clean' : '–';
const phaseCell = (phase: string) => `\`${phase}\``;
const phaseOrder = (phase: string) => MIGRATION_PHASES.indexOf(phase as never);

/** Where a table's rows come from: the day(s), code, MongoDB stand-in and load average. */
function provenance(entries: Entry[]): string {
  const distinct = (values: Array<string | null>) =>
    [...new Set(values.filter((v): v is string => v !== null))].sort();
  const days = distinct(entries.map((e) => e.at.slice(0, 10)));
  const commits = distinct(
    entries.map((e) =>
      e.commit ? `\`${e.commit}\`${e.dirty ? ' (uncommitted changes)' : ''}` : null,
    ),
  );
  const mongo = distinct(entries.map((e) => (e.mongo ? (MONGO_LABELS[e.mongo] ?? e.mongo) : null)));
  const loads = entries.map((e) => e.load_average).filter((l): l is number => l !== null);
  const load = loads.length
    ? `load average ${[Math.min(...loads), Math.max(...loads)]
        .map((l) => l.toFixed(1))
        .filter((l, i, all) => all.indexOf(l) === i)
        .join('–')}`
    : null;
  const parts = [
    `Reported ${days.join(', ')}`,
    commits.length ? `code ${commits.join(', ')}` : 'code not recorded',
    ...(mongo.length ? [`MongoDB stand-in: ${mongo.join(', ')}`] : []),
    ...(load ? [load] : []),
  ];
  return `_${parts.join('; ')}._`;
}

/** A report matched to its test's name: the parts of the name (phase, node, store). */
interface Row {
  entry: Entry;
  match: RegExpExecArray;
}

/** A column of a test's table: its heading, its alignment and its cell for one report. */
type Column = [head: string, align: Align, cell: (row: Row) => string];

/** The columns every test shares, from the load figures and the end of the test. */
const COMMON = {
  requests: ['requests', 'right', ({ entry }) => count(entry.requests)],
  failed: ['failed', 'right', ({ entry }) => count(entry.failed)],
  p99: ['p99 ms', 'right', ({ entry }) => ms(entry.p99Ms)],
  worst: ['worst ms', 'right', ({ entry }) => ms(entry.worstMs)],
  hints: ['hints pending at most', 'right', figure('hintsPendingAtMost', count)],
  restart: ['restart', 'right', figure('restartMs', seconds)],
  converge: ['converge', 'right', figure('convergeMs', seconds)],
  verify: ['verify', 'left', ({ entry }) => verify(entry)],
} satisfies Record<string, Column>;

function figure(key: string, format: (n: number | undefined) => string): Column[2] {
  return ({ entry }) => format(num(entry, key));
}

/** The phase column: the phase in the test name's group `group`. */
function phaseColumn(group: number): Column {
  return ['phase', 'left', ({ match }) => phaseCell(match[group])];
}

interface TestTable {
  name: RegExp;
  heading: string;
  columns: Column[];
  /** the rows' order (default: as reported) */
  order?: (a: Row, b: Row) => number;
}

const byPhase =
  (group: number) =>
  (a: Row, b: Row): number =>
    phaseOrder(a.match[group]) - phaseOrder(b.match[group]);

/** In test 4 the store black-holed in a phase: the primary or the secondary. */
const roleOf = ({ match }: Row): string =>
  phasePlan(match[2] as (typeof MIGRATION_PHASES)[number]).primary === match[1]
    ? 'primary'
    : 'secondary';

const TABLES: TestTable[] = [
  {
    name: /^1 node (\d+) killed in ([a-z-]+)$/,
    heading:
      'Test 1, one node SIGKILLed for a minute in each phase (asserted: zero failed requests):',
    order: byPhase(2),
    columns: [
      phaseColumn(2),
      ['node killed', 'right', ({ match }) => match[1]],
      COMMON.requests,
      COMMON.failed,
      COMMON.p99,
      COMMON.worst,
      COMMON.hints,
      COMMON.restart,
      COMMON.converge,
      COMMON.verify,
    ],
  },
  {
    name: /^2 two of three nodes killed in ([a-z-]+)$/,
    heading: 'Test 2, nodes 2 and 3 SIGKILLed together for a minute:',
    order: byPhase(1),
    columns: [
      phaseColumn(1),
      COMMON.requests,
      COMMON.failed,
      [
        'failed writes: nothing saved / may or may not',
        'right',
        ({ entry }) =>
          `${grouped(num(entry, 'failedWritesNothingSaved') ?? 0)} / ${grouped(num(entry, 'failedWritesOutcomeUnknown') ?? 0)}`,
      ],
      COMMON.worst,
      [
        'sent after conviction: requests, failed, worst',
        'right',
        ({ entry }) => {
          const late = sub(entry, 'afterConviction');
          if (!late) return '–';
          const [requests, failed] = [num(late, 'requests'), num(late, 'failed')];
          return `${count(requests)}, ${count(failed)}, ${ms(num(late, 'worstMs'))} ms`;
        },
      ],
      ['`/health` 503 after', 'right', figure('healthTo503Ms', milliseconds)],
      COMMON.hints,
      COMMON.restart,
      COMMON.converge,
      COMMON.verify,
    ],
  },
  {
    name: /^3 mongo-wire server killed in cassandra-primary$/,
    heading: 'Test 3, the MongoDB-wire server SIGKILLed in `cassandra-primary` for 15 s:',
    columns: [
      COMMON.requests,
      COMMON.failed,
      COMMON.p99,
      COMMON.worst,
      COMMON.hints,
      ['`stack up ferretdb`', 'right', figure('restartMs', seconds)],
      COMMON.converge,
      COMMON.verify,
    ],
  },
  {
    name: /^4 (mongo|cassandra) black-holed in ([a-z-]+)$/,
    heading:
      'Test 4, each store black-holed for 8 s (bounds: 15 s per request, `/health` 503 within 3 s, RSS growth under 100 MB):',
    order: (a, b) =>
      byPhase(2)(a, b) || Number(roleOf(a) === 'secondary') - Number(roleOf(b) === 'secondary'),
    columns: [
      phaseColumn(2),
      [
        'black-holed',
        'left',
        (row) => `${STORE_LABELS[row.match[1] as StoreName]} (${roleOf(row)})`,
      ],
      COMMON.requests,
      COMMON.failed,
      COMMON.p99,
      COMMON.worst,
      ['`/health` 503 after', 'right', figure('healthTo503Ms', milliseconds)],
      [
        'RSS growth',
        'right',
        figure('rssGrowthMb', (n) => (n === undefined ? '–' : `${grouped(n)} MB`)),
      ],
      COMMON.converge,
      COMMON.verify,
    ],
  },
  {
    name: /^5 app instance SIGKILLed in dual-write$/,
    heading:
      'Test 5, an app instance SIGKILLed in `dual-write` while its copies were on their way:',
    columns: [
      COMMON.requests,
      COMMON.failed,
      [
        'failed after the kill',
        'right',
        ({ entry }) => {
          const after = sub(entry, 'afterKill');
          return after ? count(num(after, 'failed')) : '–';
        },
      ],
      COMMON.worst,
      ['copies in flight at the kill', 'right', figure('copiesInFlightAtKill', count)],
      [
        'records of acked writes lost, found by verify',
        'right',
        figure('lostCopiesOfAckedWrites', count),
      ],
      [
        'reconcile',
        'left',
        ({ entry }) =>
          typeof entry.reconcile === 'string'
            ? entry.reconcile.replace(/^reconcile [^:]*: /, '')
            : '–',
      ],
      ['verify after', 'left', ({ entry }) => verify(entry)],
    ],
  },
  {
    name: /^6 backfill node killed mid-copy$/,
    heading:
      "Test 6, node 1 SIGKILLed under `migrate backfill` for 30 s (the backfill's own node):",
    columns: [
      ['records', 'right', figure('records', count)],
      ['copied at the kill', 'right', figure('copiedAtKill', count)],
      [
        'runs',
        'right',
        ({ entry }) => {
          const runs = Array.isArray(entry.runs) ? (entry.runs as Array<{ status: number }>) : [];
          const last = runs.at(-1);
          if (!last) return '–';
          return `${runs.length}, exit ${last.status}${entry.wentOn === true ? ' (went on)' : ''}`;
        },
      ],
      ['backfill', 'right', figure('backfillMs', seconds)],
      ['page retries', 'right', figure('pageRetries', count)],
      COMMON.requests,
      COMMON.failed,
      COMMON.p99,
      COMMON.worst,
      COMMON.restart,
      COMMON.converge,
      COMMON.verify,
    ],
  },
];

/** A test's table under its heading, or nothing when none of its reports is there. */
function render(spec: TestTable, tests: Array<[string, Entry]>): string {
  const rows = tests.flatMap(([key, entry]) => {
    const match = spec.name.exec(key);
    return match ? [{ entry, match }] : [];
  });
  if (!rows.length) return '';
  if (spec.order) rows.sort(spec.order);
  return join([
    spec.heading,
    provenance(rows.map((r) => r.entry)),
    table(
      spec.columns.map(([head]) => head),
      rows.map((row) => spec.columns.map(([, , cell]) => cell(row))),
      spec.columns.map(([, align]) => align),
    ),
  ]);
}

export function renderFaults(data: FaultsJson): string {
  const tests = Object.entries(data.tests ?? {});
  const unknown = tests
    .map(([key]) => key)
    .filter((key) => !TABLES.some(({ name }) => name.test(key)));
  if (unknown.length) {
    throw new Error(`no table for fault report(s) ${unknown.map((k) => `"${k}"`).join(', ')}`);
  }
  return join([...TABLES.map((spec) => render(spec, tests)), notes(data.notes)]);
}
