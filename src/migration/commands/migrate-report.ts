import { BackfillSummary } from '../backfill/backfill.service';
import { ReconcileReport } from '../reconcile/reconcile.service';
import { Difference, VerifyReport } from '../verify/verify.service';

const n = (value: number) => value.toLocaleString('en-US');

export function formatBackfill(s: BackfillSummary): string {
  const direction = `backfill ${s.source} → ${s.target}`;
  const cp = s.checkpoint;
  if (s.already_complete && cp) {
    return `${direction}: already complete (finished ${cp.finished_at ?? '?'}; ${n(cp.posts)} posts and ${n(cp.comments)} comments over ${cp.runs} run(s)). Run with --restart to copy everything again.`;
  }
  if (s.dry_run) {
    return `${direction} (dry run): would copy ${n(s.posts)} posts and ${n(s.comments)} comments${s.resumed_at ? ` (resuming in ${s.resumed_at.stage})` : ''}; nothing was written.`;
  }
  const lines = [
    `${direction}: copied ${n(s.posts)} posts and ${n(s.comments)} comments in ${s.seconds.toFixed(1)} s (${n(Math.round(s.rate))} records/s); ${n(s.deletions)} deletion(s) applied.`,
  ];
  if (s.resumed_at) {
    lines.push(
      `  resumed from the checkpoint (${s.resumed_at.stage}${s.resumed_at.position ? ` after ${s.resumed_at.position}` : ''}); all runs together: ${n(cp?.posts ?? 0)} posts, ${n(cp?.comments ?? 0)} comments in ${(cp?.seconds ?? 0).toFixed(1)} s over ${cp?.runs ?? 1} runs.`,
    );
  }
  return lines.join('\n');
}

function differenceLine(d: Difference): string {
  const what = { missing: 'missing in', extra: 'extra in', different: 'different in' }[d.kind];
  return `  ${d.entity} ${d.id}: ${what} ${d.where}`;
}

export function formatVerify(r: VerifyReport): string {
  const counts = Object.entries(r.records)
    .map(([store, c]) => `${store}: ${n(c.posts)} posts, ${n(c.comments)} comments`)
    .join('; ');
  const lines = [
    `verify ${r.source} → ${r.target}: ${r.clean ? 'clean' : `${r.differences.length} difference(s)`}`,
    `  ${counts}; ${n(r.derived_rows)} Cassandra query-table rows checked`,
    `  ${r.differing_buckets} of 4096 buckets differed at first; ${r.suspects} suspect record(s) looked at again; ${r.seconds.toFixed(1)} s`,
  ];
  return [...lines, ...r.differences.map(differenceLine)].join('\n');
}

export function formatReconcile(r: ReconcileReport): string {
  const lines = [
    `reconcile ${r.source} → ${r.target}${r.dry_run ? ' (dry run: nothing changed)' : ''}: ${r.found} difference(s) found, ${r.fixed} fixed, ${r.remaining.length} remaining; ${r.hints.retried} hint(s) copied${r.hints.failed ? `, ${r.hints.failed} still failing (${r.hints.error ?? ''})` : ''}; ${r.seconds.toFixed(1)} s`,
  ];
  const listed = r.dry_run ? r.verify.differences : r.remaining;
  return [...lines, ...listed.map(differenceLine)].join('\n');
}
