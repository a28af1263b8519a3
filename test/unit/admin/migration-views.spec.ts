import { compact, migrationCharts } from '../../../src/admin/migration-charts';
import { DashboardData } from '../../../src/admin/migration-dashboard.service';
import {
  backfillView,
  confirmView,
  dashboardView,
  duration,
} from '../../../src/admin/migration-views';
import { HistorySample } from '../../../src/metrics/metrics-history';

const NOW = Date.UTC(2026, 11, 3, 18, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function data(overrides: Partial<DashboardData> = {}): DashboardData {
  return {
    now: NOW,
    served: 'dual-write',
    cassandraOpen: true,
    overview: {
      ok: true,
      value: {
        current: {
          phase: 'dual-write',
          record: {
            phase: 'dual-write',
            previous: 'mongo',
            version: 1,
            set_at: iso(NOW - 3_600_000),
            set_by: 'account:root',
            forced: false,
          },
        },
        next: [
          { phase: 'mongo', open: true, checks: [] },
          {
            phase: 'cassandra-primary',
            open: false,
            checks: [
              { name: 'instances', ok: true, detail: 'all 2 serve dual-write' },
              { name: 'verify', ok: false, detail: 'never run' },
            ],
          },
        ],
      },
    },
    instances: {
      ok: true,
      value: [
        {
          id: 'h:1:a',
          host: 'h',
          pid: 1,
          port: 3000,
          phase: 'dual-write',
          draining: 0,
          started_at: iso(NOW - 10_000),
          seen_at: iso(NOW - 1000),
        },
        {
          id: 'h:2:b',
          host: 'h',
          pid: 2,
          phase: 'mongo',
          draining: 3,
          started_at: iso(NOW - 10_000),
          seen_at: iso(NOW - 1000),
        },
      ],
    },
    backfills: { ok: true, value: [] },
    verify: { ok: false, error: 'cassandra did not answer within 5000 ms' },
    reconcile: { ok: true, value: undefined },
    hints: { ok: true, value: { store: 'mongo', pending: 1234 } },
    audit: { ok: true, value: { entries: [], unreadable: [] } },
    shadow: { ok: false, error: 'not read' },
    ...overrides,
  };
}

const parts = {
  backfillCopied: () => 0,
  charts: [],
  historyStartedAt: NOW - 60_000,
  refresh: false,
};

describe('dashboardView', () => {
  it('says the phase, who set it and from what', () => {
    const view = dashboardView(data(), parts);
    expect(view.phase).toMatchObject({
      name: 'dual-write',
      setBy: 'account:root',
      previous: 'mongo',
      forced: false,
      fromEnv: false,
      servedDiffers: false,
    });
    expect(view.phase.setAt?.text).toBe('2026-12-03 17:00 UTC');
    // a record from before the history was kept: its own step
    expect(view.phase.steps).toEqual([
      expect.objectContaining({ from: 'mongo', to: 'dual-write', by: 'account:root' }),
    ]);
  });

  it('marks the instances that do not follow the phase', () => {
    const rows = dashboardView(data(), parts).instances.rows;
    expect(rows.map((row) => row.follows)).toEqual([true, false]);
    expect(rows[1].description).toContain('3 write(s) still running on the previous phase');
  });

  it('lists each next step with its gate and checks', () => {
    const view = dashboardView(data(), parts);
    expect(view.next.steps.map((step) => [step.phase, step.gate])).toEqual([
      ['mongo', 'no gate'],
      ['cassandra-primary', 'gate closed'],
    ]);
    expect(view.next.steps[1].checks.map((check) => check.status)).toEqual(['ok', 'FAIL']);
    expect(view.canStep).toBe(true);
  });

  it('says why a part could not be read, and still shows the rest', () => {
    const view = dashboardView(
      data({ instances: { ok: false, error: 'mongo did not answer' } }),
      parts,
    );
    expect(view.verify).toEqual({
      error: 'Not available: cassandra did not answer within 5000 ms',
    });
    expect(view.instances.error).toBe('Not available: mongo did not answer');
    expect(view.reconcile).toEqual({ never: true });
    expect(view.hints).toEqual({ store: 'mongo', pending: '1,234', zero: false });
  });

  it('says when the migration state was not read (no Cassandra connection in this phase)', () => {
    expect(dashboardView(data(), parts).stateUnread).toBe(false);
    expect(dashboardView(data({ cassandraOpen: false }), parts).stateUnread).toBe(true);
  });

  it('has no step form when the gates cannot be read', () => {
    const view = dashboardView(data({ overview: { ok: false, error: 'x' } }), parts);
    expect(view.canStep).toBe(false);
    expect(view.phase.name).toBe('dual-write');
  });
});

describe('backfillView', () => {
  const checkpoint = {
    source: 'mongo' as const,
    target: 'cassandra' as const,
    stage: 'comments',
    started_at: iso(NOW - 600_000),
    updated_at: iso(NOW - 2000),
    seconds: 100,
    runs: 2,
  };

  it('gives percent, rate and ETA of a running copy', () => {
    const view = backfillView(
      { source: 'mongo', target: 'cassandra', checkpoint, total: 10_000, rate: 50, recent: true },
      4000,
      NOW,
    );
    expect(view).toMatchObject({
      direction: 'mongo → cassandra',
      moving: true,
      done: false,
      percent: 40,
      copied: '4,000',
      total: '10,000',
      rate: '50 records/s',
      rateKind: 'since the last page load',
      eta: '2 min',
    });
  });

  it('gives no ETA for a stopped copy or an unknown total', () => {
    const stopped = { ...checkpoint, updated_at: iso(NOW - 600_000) };
    const base = { source: 'mongo' as const, target: 'cassandra' as const, recent: false };
    expect(
      backfillView({ ...base, checkpoint: stopped, total: 10, rate: 5 }, 5, NOW),
    ).toMatchObject({ moving: false, eta: undefined });
    expect(backfillView({ ...base, checkpoint, rate: 0.04 }, 5, NOW)).toMatchObject({
      rate: '0 records/s',
    });
    expect(backfillView({ ...base, checkpoint, rate: 0.36 }, 5, NOW)).toMatchObject({
      rate: '0.4 records/s',
    });
    expect(backfillView({ ...base, checkpoint, rate: 5 }, 5, NOW)).toMatchObject({
      percentKnown: false,
      eta: undefined,
      total: undefined,
    });
  });

  it('says a finished copy is complete (100 %)', () => {
    const done = { ...checkpoint, stage: 'done', finished_at: iso(NOW - 1000) };
    const view = backfillView(
      { source: 'mongo', target: 'cassandra', checkpoint: done, recent: false },
      9,
      NOW,
    );
    expect(view).toMatchObject({ done: true, percent: 100, eta: undefined });
    expect(view.finished?.text).toBe('2026-12-03 17:59 UTC');
  });
});

describe('confirmView', () => {
  it('offers the confirmation when nothing refused the step', () => {
    const view = confirmView({ from: 'dual-write', to: 'mongo', checks: [] });
    expect(view).toMatchObject({ confirmable: true, noGate: true, step: true });
  });

  it('lists only the failed checks of a refusal and offers no confirmation', () => {
    const view = confirmView({
      from: 'dual-write',
      to: 'cassandra-primary',
      checks: [
        { name: 'instances', ok: true, detail: 'fine' },
        { name: 'hints', ok: false, detail: '3 in mongo' },
      ],
      refused: 'phase set cassandra-primary refused',
    });
    expect(view.confirmable).toBe(false);
    expect(view.failed.map((check) => check.name)).toEqual(['hints']);
  });
});

describe('duration', () => {
  it.each([
    [0, '0 s'],
    [45.4, '45 s'],
    [89, '89 s'],
    [600, '10 min'],
    [7500, '2 h 5 min'],
    [Infinity, 'unknown'],
  ])('%p s → %p', (seconds, text) => expect(duration(seconds)).toBe(text));
});

describe('migrationCharts', () => {
  const sample = (at: number, extra: Partial<HistorySample> = {}): HistorySample => ({
    at,
    seconds: 10,
    copies: { cassandra: { written: 10, hinted: 1, failed: 0 } },
    writeLatency: { cassandra: { p50: 0.002, p99: 0.03, count: 11 } },
    shadow: { match: 2, mismatch: 1, error: 0 },
    requests: { total: 50, errors: 5 },
    ...extra,
  });

  it('draws the four charts in per-minute rates, ms and percent', () => {
    const charts = migrationCharts(
      [sample(NOW - 20_000), sample(NOW - 10_000)],
      'cassandra',
      NOW,
      3_600_000,
    );
    expect(charts.map((chart) => chart.id)).toEqual([
      'chart-copies',
      'chart-copy-latency',
      'chart-shadow',
      'chart-errors',
    ]);
    const legend = Object.fromEntries(
      charts.flatMap((chart) =>
        chart.legend.map((entry) => [`${chart.id}:${entry.name}`, entry.last]),
      ),
    );
    expect(legend).toMatchObject({
      'chart-copies:written': '60/min',
      'chart-copies:hinted': '6/min',
      'chart-copy-latency:p50': '2 ms',
      'chart-copy-latency:p99': '30 ms',
      'chart-shadow:samples': '18/min',
      'chart-shadow:mismatches': '6/min',
      'chart-errors:5xx': '10 %',
    });
    expect(charts.every((chart) => chart.svg.startsWith('<svg'))).toBe(true);
    expect(charts[3].svg).toContain('Latest: 5xx 10 %.</desc>');
    expect(charts[0].empty).toBe(false);
  });

  it('leaves out samples older than the window and has no latency without a secondary', () => {
    const charts = migrationCharts([sample(NOW - 7_200_000)], undefined, NOW, 3_600_000);
    expect(charts.every((chart) => chart.empty)).toBe(true);
    expect(charts[1].heading).toContain('no secondary store');
    expect(charts[1].legend[0].last).toBe('none');
  });
});

describe('compact', () => {
  it.each([
    [0, '0'],
    [0.44, '0.4'],
    [9.96, '10'],
    [12.4, '12'],
    [999, '999'],
    [3456, '3.5k'],
    [1_234_567, '1.2M'],
  ])('%p → %p', (value, text) => expect(compact(value)).toBe(text));
});
