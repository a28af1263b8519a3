import { PhaseGates } from '../../../src/phase/phase-gates';
import { PhaseControl } from '../../../src/phase/phase-control';
import { EffectivePhase } from '../../../src/phase/phase-record';
import { MigrationSides } from '../../../src/migration/sides/migration-sides';
import { VerifyService } from '../../../src/migration/verify/verify.service';
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
  const verifier = {
    verify: async () => ({ report: { clean: true, seconds: 1, differences: [] } }),
    last: async () => undefined,
  } as unknown as VerifyService;
  const sides = { direction: () => ({}) } as unknown as MigrationSides;
  return new PhaseGates(control, undefined as never, verifier, sides, router, undefined as never);
}

const current = { phase: 'cassandra-primary' } as EffectivePhase;
const hintCheck = async (service: PhaseGates, waitMs: number) =>
  (await service.check(current, 'cassandra', 'live', waitMs)).find((c) => c.name === 'hints');

describe('PhaseGates: pending hints (logic, fakes)', () => {
  it('waits for hints the job is draining, and passes once none is left', async () => {
    const check = await hintCheck(gates([2, 1, 0]), 10_000);
    expect(check).toMatchObject({ ok: true });
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
