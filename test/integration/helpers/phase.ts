import { TestingModule } from '@nestjs/testing';
import { MigrationPhase, StoreName } from '../../../src/config/migration-phase';
import { BackfillService, BackfillSummary } from '../../../src/migration/backfill/backfill.service';
import { PhaseControl } from '../../../src/control/phase-control';
import { InstanceReport } from '../../../src/control/phase-record';
import { from } from '../../../src/migration/directions';
import { Replicas } from '../../../src/store/replicas';

/**
 * Writes phase records one after the other, each from the one before (as `phase set` does after
 * its gate): a test's own starting phase, without the CLI runs and gates that lead there.
 */
export async function recordPhases(
  module: TestingModule,
  ...phases: MigrationPhase[]
): Promise<void> {
  const control = module.get(PhaseControl);
  for (const phase of phases) await control.write(phase, await control.read(), false);
}

/** A complete backfill from `source`, in-process (what `migrate backfill [--from]` runs). */
export async function backfillNow(
  module: TestingModule,
  source: StoreName,
): Promise<BackfillSummary> {
  const direction = from(module.get(Replicas), source);
  return module.get(BackfillService).run(direction.source, direction.target, {
    concurrency: 8,
    restart: false,
    dryRun: false,
  });
}

/**
 * The report of an app instance that is not running here (a ghost on another host), as its
 * phase follower would write it: `phase show`, the gates and `phase set` read it like any other.
 */
export function ghostInstance(
  phase: MigrationPhase,
  overrides: Partial<InstanceReport> = {},
): InstanceReport {
  const now = new Date().toISOString();
  return {
    id: 'ghost-host:4242:abcdef',
    host: 'ghost-host',
    pid: 4242,
    port: 4000,
    phase,
    draining: 0,
    started_at: now,
    seen_at: now,
    ...overrides,
  };
}

/** Writes `report` into every store the module has open, living `ttlSeconds`. */
export async function reportInstance(
  module: TestingModule,
  report: InstanceReport,
  ttlSeconds = 120,
): Promise<void> {
  await module.get(PhaseControl).report(report, ttlSeconds, 10_000);
}
