import { PhaseGates } from '../../../../src/migration/gates/phase-gates';
import { PhaseControl } from '../../../../src/control/phase-control';
import { EffectivePhase } from '../../../../src/control/phase-record';
import { VerifyOptions, VerifyService } from '../../../../src/migration/verify/verify.service';
import { HintLogs } from '../../../../src/store/hints/hint-logs';
import { Replicas } from '../../../../src/store/replicas';

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
  // cassandra-primary keeps its hints in Cassandra; dual-write's log (MongoDB) is empty
  const hintLogs = {
    get: (store: string) =>
      store === 'cassandra' ? hints : { store: 'mongo', pending: async () => 0 },
  } as unknown as HintLogs;
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
  const replicas = { get: () => ({}) } as unknown as Replicas;
  const service = new PhaseGates(
    control,
    undefined as never,
    verifier,
    replicas,
    hintLogs,
    undefined as never,
    // shadow reads agree (their checks: test/unit/shadow)
    { openMismatches: async () => [], samplesSince: async () => ({ compared: 0 }) } as never,
    { shadowMinSamples: 0, shadowWindowMs: 3_600_000 } as never,
  );
  return Object.assign(service, { settles });
}

const current = { phase: 'cassandra-primary' } as EffectivePhase;
const hintCheck = async (service: PhaseGates, waitMs: number) =>
  (await service.check(current, 'cassandra', 'live', waitMs)).find((c) => c.name === 'hints');

/** Runs `work` on fake time, advancing the clock until it settles; its value and the ms it took. */
async function onFakeTime<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let settled = false;
  const running = work().finally(() => (settled = true));
  for (;;) {
    await jest.advanceTimersByTimeAsync(0); // what is due now, and the promises it settles
    if (settled) break;
    await jest.advanceTimersByTimeAsync(100);
  }
  return { value: await running, ms: Date.now() - started };
}

describe('PhaseGates: pending hints (logic, fakes, fake time)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits for hints the job is draining, and passes once none is left', async () => {
    const service = gates([2, 2, 1, 0]);
    const { value: check, ms } = await onFakeTime(() => hintCheck(service, 10_000));
    expect(check).toEqual({ name: 'hints', ok: true, detail: 'no pending hints' });
    // the verify waited for them before its recheck: counts at 0, 0.5, 1 and 1.5 s
    expect(service.settles).toEqual([true]);
    expect(ms).toBe(1500);
  });

  it('waits at the hints check for hints missed after the verify', async () => {
    const service = gates([0, 1, 1, 0]);
    const { value: check, ms } = await onFakeTime(() => hintCheck(service, 10_000));
    expect(check?.detail).toBe('no pending hints (drained while waiting 1.0 s)');
    expect(ms).toBe(1000);
  });

  it('refuses hints still pending when the wait is over, saying how long it waited', async () => {
    const { value: check, ms } = await onFakeTime(() => hintCheck(gates([3]), 1200));
    // 1.2 s before the verify's recheck, 1.2 s at the hints check: each wait ends at its deadline
    expect(ms).toBe(2400);
    expect(check).toEqual({
      name: 'hints',
      ok: false,
      detail:
        '3 in cassandra after waiting 1 s: wait for the hint retry job or run `migrate reconcile`',
    });
  });

  it('phase show (recorded) does not wait', async () => {
    const service = gates([3, 0]);
    const { value: checks, ms } = await onFakeTime(() =>
      service.check(current, 'cassandra', 'recorded', 10_000),
    );
    expect(ms).toBe(0);
    const [check] = checks.filter((c) => c.name === 'hints');
    expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 in cassandra: /) });
  });
});
