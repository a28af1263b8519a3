import { AuditTrail } from '../../../src/audit/audit-trail';
import { StoppedError, StopWhen } from '../../../src/common/stop';
import { AppConfig } from '../../../src/config/app-config';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { Leases } from '../../../src/control/lease';
import { MigrationJobs } from '../../../src/migration/migration.jobs';
import { ReconcileService } from '../../../src/migration/reconcile/reconcile.service';
import { CurrentPhase } from '../../../src/control/current-phase';
import { PostStoreRouter } from '../../../src/store/post-store.router';

/**
 * MigrationJobs with a reconcile that takes as long as its stop allows (a verify at 100k posts
 * takes minutes): what a `phase set` waiting for the previous phase's jobs depends on.
 */
function jobs(phase: CurrentPhase) {
  const seen: { phase: MigrationPhase; stopped: boolean }[] = [];
  const reconcile = {
    run: async (runPhase: MigrationPhase, options: { stop?: StopWhen }) => {
      const deadline = Date.now() + 10_000;
      while (!options.stop?.() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      seen.push({ phase: runPhase, stopped: !!options.stop?.() });
      if (options.stop?.()) throw new StoppedError('reconcile');
      return { hints: { retried: 0, failed: 0 }, found: 0, fixed: 0, remaining: [] };
    },
  } as unknown as ReconcileService;
  const router = {
    run: <T>(work: (phase: MigrationPhase) => Promise<T>) => work(phase.get()),
  } as unknown as PostStoreRouter;
  const leases = {
    hold: async <T>(_name: string, _ttl: number, work: () => Promise<T>) => ({
      held: true,
      value: await work(),
    }),
  } as unknown as Leases;
  const config = { hintRetryIntervalMs: 0, reconcileIntervalMs: 0 } as AppConfig;
  // a run that repaired nothing is not audited
  const trail = {
    record: () => Promise.reject(new Error('nothing to audit')),
  } as unknown as AuditTrail;
  const service = new MigrationJobs(
    config,
    undefined as never,
    phase,
    router,
    reconcile,
    leases,
    trail,
  );
  return { service, seen };
}

describe('MigrationJobs (logic, fake reconcile)', () => {
  it('a scheduled reconcile ends soon after the phase moves on, instead of holding the switch', async () => {
    jest.useFakeTimers();
    const phase = new CurrentPhase('dual-write');
    const { service, seen } = jobs(phase);
    let ended = false;
    const run = service.tick('reconcile').then(() => (ended = true));
    await jest.advanceTimersByTimeAsync(50);
    expect(ended).toBe(false); // still reading, on fake time
    const switched = Date.now();
    phase.set('cassandra-primary');
    while (!ended) await jest.advanceTimersByTimeAsync(1);
    await run;
    const ms = Date.now() - switched;
    jest.useRealTimers();
    // it asks whether to stop every 5 ms while it reads: it ended at the next ask
    expect(ms).toBeLessThanOrEqual(5);
    expect(seen).toEqual([{ phase: 'dual-write', stopped: true }]);
    expect(service.runs).toMatchObject([{ job: 'reconcile', ok: false }]);
  });
});
