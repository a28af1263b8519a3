import { dateView, DateView } from '../common/view/date-view';
import { MigrationPhase } from '../config/migration-phase';
import { describeInstance, EffectivePhase, follows, stepsOf } from '../control/phase-record';
import { GateCheck } from '../migration/gates/phase-gates';
import { BackfillData, DashboardData, Part } from './migration-dashboard.service';
import { ChartView } from './migration-charts';
import { auditTailView, shadowView } from './tail-views';

/** Steps of the phase history the page lists, newest first (`phase show` lists as many). */
export const SHOWN_STEPS = 5;

/** How often the page reloads itself when the reader turns auto-refresh on (Refresh header). */
export const AUTO_REFRESH_SECONDS = 30;

export interface CheckView {
  name: string;
  ok: boolean;
  status: 'ok' | 'FAIL';
  detail: string;
}

export const checkViews = (checks: GateCheck[]): CheckView[] =>
  checks.map((check) => ({
    name: check.name,
    ok: check.ok,
    status: check.ok ? 'ok' : 'FAIL',
    detail: check.detail,
  }));

function unavailable<T>(part: Part<T>): string | undefined {
  return part.ok ? undefined : `Not available: ${part.error}`;
}

const time = (iso: string | undefined): DateView | undefined => {
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : dateView(date);
};

/** "45 s", "12 min", "3 h 5 min". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const number = (n: number) => n.toLocaleString('en-US');
/** A slow copy (a rate-limited or stalled run) still shows a rate: 0.4, not 0. */
const rateText = (rate: number) =>
  rate >= 10 ? number(Math.round(rate)) : String(Math.round(rate * 10) / 10);

function phaseView(data: DashboardData) {
  const current: EffectivePhase | undefined = data.overview.ok
    ? data.overview.value.current
    : undefined;
  const record = current?.record;
  return {
    name: current?.phase ?? data.served,
    served: data.served,
    servedDiffers: current !== undefined && current.phase !== data.served,
    setAt: time(record?.set_at),
    setBy: record?.set_by,
    previous: record?.previous,
    forced: record?.forced === true,
    fromEnv: current !== undefined && !record,
    steps: stepsOf(record)
      .slice(-SHOWN_STEPS)
      .reverse()
      .map((step) => ({ ...step, at: time(step.at) })),
  };
}

function instancesView(data: DashboardData, phase: MigrationPhase) {
  if (!data.instances.ok) return { error: unavailable(data.instances), rows: [] };
  return {
    rows: data.instances.value.map((report) => ({
      id: report.id,
      description: describeInstance(report),
      phase: report.phase,
      draining: report.draining,
      blocked: report.blocked,
      follows: follows(report, phase),
      seen: time(report.seen_at),
    })),
  };
}

function nextView(data: DashboardData) {
  if (!data.overview.ok) return { error: unavailable(data.overview), steps: [] };
  return {
    steps: data.overview.value.next.map((step) => ({
      phase: step.phase,
      gate: step.checks.length === 0 ? 'no gate' : step.open ? 'gate open' : 'gate closed',
      open: step.open,
      checks: checkViews(step.checks),
    })),
  };
}

export function backfillView(backfill: BackfillData, copied: number, now: number) {
  const { checkpoint } = backfill;
  const done = checkpoint?.stage === 'done';
  const total = backfill.total !== undefined ? Math.max(backfill.total, copied) : undefined;
  const percent = done ? 100 : total ? Math.floor((100 * copied) / total) : undefined;
  const updated = checkpoint ? Date.parse(checkpoint.updated_at) : NaN;
  // a running backfill saves its checkpoint every second while pages arrive
  const moving = !done && now - updated < 15_000;
  const rate = backfill.rate;
  const eta =
    !done && moving && total !== undefined && rate && rate > 0
      ? duration(Math.max(total - copied, 0) / rate)
      : undefined;
  return {
    direction: `${backfill.source} → ${backfill.target}`,
    id: `backfill-${backfill.source}-${backfill.target}`,
    done,
    moving,
    stage: checkpoint?.stage,
    copied: number(copied),
    total: total !== undefined ? number(total) : undefined,
    percent,
    percentKnown: percent !== undefined,
    rate: rate !== undefined ? `${rateText(rate)} records/s` : undefined,
    rateKind: backfill.recent ? 'since the last page load' : 'average over its runs',
    eta,
    runs: checkpoint?.runs,
    started: time(checkpoint?.started_at),
    updated: time(checkpoint?.updated_at),
    finished: time(checkpoint?.finished_at),
  };
}

function verifyView(data: DashboardData) {
  if (!data.verify.ok) return { error: unavailable(data.verify) };
  const last = data.verify.value;
  if (!last) return { never: true };
  return {
    direction: `${last.source} → ${last.target}`,
    clean: last.clean,
    differences: number(last.differences),
    finished: time(last.finished_at),
  };
}

function reconcileView(data: DashboardData) {
  if (!data.reconcile.ok) return { error: unavailable(data.reconcile) };
  const last = data.reconcile.value;
  if (!last) return { never: true };
  return {
    direction: `${last.source} → ${last.target}`,
    phase: last.phase,
    found: number(last.found),
    fixed: number(last.fixed),
    remaining: number(last.remaining.length),
    hintsCopied: number(last.hints.retried),
    seconds: duration(last.seconds),
    finished: time(last.finished_at),
    error: last.error,
    dryRun: last.dry_run,
  };
}

function hintsView(data: DashboardData) {
  if (!data.hints.ok) return { error: unavailable(data.hints) };
  const hints = data.hints.value;
  if (!hints) return { none: true };
  return { store: hints.store, pending: number(hints.pending), zero: hints.pending === 0 };
}

/** The model of `/admin/migration` (views/admin/migration.hbs): every text made here. */
export function dashboardView(
  data: DashboardData,
  parts: {
    backfillCopied: (backfill: BackfillData) => number;
    charts: ChartView[];
    historyStartedAt: number;
    refresh: boolean;
  },
) {
  const phase = phaseView(data);
  const next = nextView(data);
  const backfills = data.backfills.ok
    ? data.backfills.value.map((b) => backfillView(b, parts.backfillCopied(b), data.now))
    : [];
  return {
    pageTitle: 'Migration',
    phase,
    instances: instancesView(data, phase.name),
    next,
    canStep: next.steps.length > 0,
    // backfill, verify and reconcile are recorded in Cassandra's migration state
    stateUnread: !data.cassandraOpen,
    backfill: {
      error: unavailable(data.backfills),
      list: backfills,
      none: data.backfills.ok && backfills.length === 0,
    },
    verify: verifyView(data),
    reconcile: reconcileView(data),
    hints: hintsView(data),
    audit: auditTailView(data.audit),
    shadow: shadowView(data.shadow),
    charts: parts.charts,
    historySince: dateView(new Date(parts.historyStartedAt)),
    refresh: parts.refresh,
    refreshSeconds: AUTO_REFRESH_SECONDS,
    generated: dateView(new Date(data.now)),
  };
}

/** The confirmation page of a step (and its refusal: `refused` with the failed checks). */
export function confirmView(step: {
  /** undefined: the form named no valid phase */
  from?: MigrationPhase;
  to?: MigrationPhase;
  checks: GateCheck[];
  refused?: string;
  error?: string;
}) {
  const checks = checkViews(step.checks);
  return {
    pageTitle: step.refused || step.error ? 'Phase not changed' : 'Confirm the phase change',
    from: step.from,
    to: step.to,
    step: step.from !== undefined && step.to !== undefined,
    checks,
    noGate: checks.length === 0,
    failed: checks.filter((check) => !check.ok),
    refused: step.refused,
    error: step.error,
    confirmable: !step.refused && !step.error,
  };
}
