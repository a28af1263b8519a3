import {
  reconcileDetails,
  reconcileRepaired,
  verifyDetails,
} from '../../../src/migration/migration-audit';
import { ReconcileReport } from '../../../src/migration/reconcile/reconcile.service';
import { VerifyReport } from '../../../src/migration/verify/verify.service';

const verify = {
  source: 'mongo',
  target: 'cassandra',
  clean: false,
  records: { mongo: { posts: 3 } },
  derived_rows: 9,
  differing_buckets: 1,
  suspects: 1,
  differences: [{ kind: 'post', id: 'p1', problem: 'different' }],
  seconds: 0.5,
  finished_at: '2026-12-03T18:00:00Z',
} as unknown as VerifyReport;

function reconcile(changes: Partial<ReconcileReport> = {}): ReconcileReport {
  return {
    phase: 'dual-write',
    source: 'mongo',
    target: 'cassandra',
    dry_run: false,
    started_at: '',
    finished_at: '',
    seconds: 1,
    hints: { retried: 0, failed: 0 },
    found: 0,
    fixed: 0,
    remaining: [],
    verify,
    ...changes,
  };
}

describe('what the audit trail keeps of the migration runs', () => {
  it('a verify: counts, not the records that differ', () => {
    expect(verifyDetails(verify)).toEqual({
      source: 'mongo',
      target: 'cassandra',
      clean: false,
      records: { mongo: { posts: 3 } },
      differences: 1,
      seconds: 0.5,
    });
  });

  it('a scheduled reconcile only when it retried, fixed or left something', () => {
    expect(reconcileRepaired(reconcile())).toBe(false);
    expect(reconcileRepaired(reconcile({ hints: { retried: 2, failed: 0 } }))).toBe(true);
    expect(reconcileRepaired(reconcile({ found: 1, fixed: 1 }))).toBe(true);
    expect(reconcileRepaired(reconcile({ found: 1, remaining: verify.differences }))).toBe(true);
    expect(reconcileDetails(reconcile({ found: 1, fixed: 1 }))).toMatchObject({
      found: 1,
      fixed: 1,
      remaining: 0,
      hints_retried: 0,
    });
  });
});
