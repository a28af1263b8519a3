import { BackfillSummary, copiedIn } from '../backfill/backfill.service';
import { ReconcileReport } from '../reconcile/reconcile.service';
import { Difference, VerifyReport } from '../verify/verify.service';

const n = (value: number) => value.toLocaleString('en-US');

/** "2,000 posts and 9,999 comments" ("2,000 posts, 9,999 comments" with `joined: 'commas'`). */
function counted(counts: [string, number][], joined: 'and' | 'commas' = 'and'): string {
  const parts = counts.map(([plural, count]) => `${n(count)} ${plural}`);
  if (joined === 'commas' || parts.length < 2) return parts.join(', ');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function formatBackfill(s: BackfillSummary): string {
  const direction = `backfill ${s.source} → ${s.target}`;
  const cp = s.checkpoint;
  const kinds = Object.keys(s.records);
  const overall = (joined?: 'commas') =>
    counted(
      kinds.map((plural) => [plural, cp ? copiedIn(cp, plural) : 0]),
      joined,
    );
  if (s.already_complete && cp) {
    return `${direction}: already complete (finished ${cp.finished_at ?? '?'}; ${overall()} over ${cp.runs} run(s)). Run with --restart to copy everything again.`;
  }
  const thisRun = counted(Object.entries(s.records));
  if (s.dry_run) {
    return `${direction} (dry run): would copy ${thisRun}${s.resumed_at ? ` (resuming in ${s.resumed_at.stage})` : ''}; nothing was written.`;
  }
  const lines = [
    `${direction}: copied ${thisRun} in ${s.seconds.toFixed(1)} s (${n(Math.round(s.rate))} records/s); ${n(s.deletions)} deletion(s) applied.`,
  ];
  if (s.resumed_at) {
    lines.push(
      `  resumed from the checkpoint (${s.resumed_at.stage}${s.resumed_at.position ? ` after ${s.resumed_at.position}` : ''}); all runs together: ${overall('commas')} in ${(cp?.seconds ?? 0).toFixed(1)} s over ${cp?.runs ?? 1} runs.`,
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
    .map(
      ([store, c]) =>
        `${store}: ${Object.entries(c)
          .map(([plural, count]) => `${n(count)} ${plural}`)
          .join(', ')}`,
    )
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
