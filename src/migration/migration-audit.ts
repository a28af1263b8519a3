import { BackfillSummary } from './backfill/backfill.service';
import { ReconcileReport } from './reconcile/reconcile.service';
import { VerifyReport } from './verify/verify.service';

/** What the trail keeps of a backfill: direction and counts, not the checkpoint. */
export function backfillDetails(summary: BackfillSummary): Record<string, unknown> {
  return {
    source: summary.source,
    target: summary.target,
    dry_run: summary.dry_run,
    already_complete: summary.already_complete,
    records: summary.records,
    deletions: summary.deletions,
    seconds: summary.seconds,
  };
}

/** What the trail keeps of a verify: the counts and how many differences, not the records. */
export function verifyDetails(report: VerifyReport): Record<string, unknown> {
  return {
    source: report.source,
    target: report.target,
    clean: report.clean,
    records: report.records,
    differences: report.differences.length,
    seconds: report.seconds,
  };
}

export function reconcileDetails(report: ReconcileReport): Record<string, unknown> {
  return {
    phase: report.phase,
    source: report.source,
    target: report.target,
    dry_run: report.dry_run,
    hints_retried: report.hints.retried,
    hints_failed: report.hints.failed,
    found: report.found,
    fixed: report.fixed,
    remaining: report.remaining.length,
    ...(report.error !== undefined && { error: report.error }),
  };
}

/** Whether a scheduled reconcile changed anything: only those go into the trail (see docs/audit.md). */
export function reconcileRepaired(report: ReconcileReport): boolean {
  return report.hints.retried > 0 || report.fixed > 0 || report.remaining.length > 0;
}
