import { PhaseGates } from '../../../src/phase/phase-gates';
import { PhaseControl } from '../../../src/phase/phase-control';
import { EffectivePhase } from '../../../src/phase/phase-record';
import { MigrationSides } from '../../../src/migration/sides/migration-sides';
import { VerifyOptions, VerifyService } from '../../../src/migration/verify/verify.service';
import { PostStoreRouter } from '../../../src/store/post-store.router';

/**
 * The gate cassandra-primary → cassandra with a clean verify and a hint log whose pending count
 * goes down one per count (the hint retry job draining it while the gate waits).
 */
function gates(pendingCounts: number[]) {
  const counts = [...pendingCounts];
  const hints = {
    store: 'cassandra',
    pending: async () => (counts.length > 1 ? counts.shift()! : counts[0]),
  };
  const router = {
    partsOf: (phase: string) => ({ hints: phase === 'cassandra-primary' ? hints : undefined }),
  } as unknown as PostStoreRouter;
  const control = { instances: async () => [] } as unknown as PhaseControl;
  const settles: boolean[] = [];
  const verifier = {
    // a difference whose copy was hinted: clean once the hints drained before the recheck
    verify: async (_source: unknown, _target: unknown, options: VerifyOptions) => {
      settles.push(!!options.settle);
      await options.settle?.();
      return { report: { clean: true, seconds: 1, differences: [] } };
    },
    last: async () => undefined,
  } as unknown as VerifyService;
  const sides = { direction: () => ({}) } as unknown as MigrationSides;
  const service = new PhaseGates(
    control,
    undefined as never,
    verifier,
    sides,
    router,
    undefined as never,
  );
  return Object.assign(service, { settles });
}

const current = { phase: 'cassandra-primary' } as EffectivePhase;
const hintCheck = async (service: PhaseGates, waitMs: number) =>
  (await service.check(current, 'cassandra', 'live', waitMs)).find((c) => c.name === 'hints');

describe('PhaseGates: pending hints (logic, fakes)', () => {
  it('waits for hints the job is draining, and passes once none is left', async () => {
    const service = gates([2, 2, 1, 0]);
    const started = Date.now();
    const check = await hintCheck(service, 10_000);
    expect(check).toEqual({ name: 'hints', ok: true, detail: 'no pending hints' });
    // the verify waited for them before its recheck (two counts of 2, one of 1: 1.5 s)
    expect(service.settles).toEqual([true]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('waits at the hints check for hints missed after the verify', async () => {
    const service = gates([0, 1, 1, 0]);
    const check = await hintCheck(service, 10_000);
    expect(check?.detail).toMatch(/^no pending hints \(drained while waiting \d+\.\d s\)$/);
  });

  it('refuses hints still pending when the wait is over, saying how long it waited', async () => {
    const started = Date.now();
    const check = await hintCheck(gates([3]), 1200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
    expect(check).toEqual({
      name: 'hints',
      ok: false,
      detail: expect.stringMatching(
        /^3 in cassandra after waiting 1 s: wait for the hint retry job or run `migrate reconcile`$/,
      ),
    });
  });

  it('phase show (recorded) does not wait', async () => {
    const service = gates([3, 0]);
    const started = Date.now();
    const [check] = (await service.check(current, 'cassandra', 'recorded', 10_000)).filter(
      (c) => c.name === 'hints',
    );
    expect(Date.now() - started).toBeLessThan(400);
    expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 in cassandra: /) });
  });
});
