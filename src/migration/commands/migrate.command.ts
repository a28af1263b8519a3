import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import {
  MigrationPhase,
  otherStore,
  phasesWriting,
  STORE_NAMES,
  StoreName,
} from '../../config/migration-phase';
import { AuditTrail } from '../../audit/audit-trail';
import { audited } from '../../audit/audited';
import { cliActor, PhaseControl } from '../../control/phase-control';
import { describeInstance } from '../../control/phase-record';
import { StoreConnections } from '../../database/store-connections';
import { Replicas } from '../../store/replicas';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { BackfillService } from '../backfill/backfill.service';
import { BarProgress, LogProgress } from '../backfill/progress';
import { ReconcileService } from '../reconcile/reconcile.service';
import { directionOf, from } from '../directions';
import { VerifyService } from '../verify/verify.service';
import { backfillDetails, reconcileDetails, verifyDetails } from '../migration-audit';
import { formatBackfill, formatReconcile, formatVerify } from './migrate-report';
import { integerOption, storeOption } from '../../cli/cli-options';

const DEFAULT_RECHECK_MS = 2000;

/**
 * The phase as the phase record says (not MIGRATION_PHASE: the fleet may have moved), with both
 * stores connected: every migrate command works between the two.
 */
async function phaseAndStores(
  control: PhaseControl,
  connections: StoreConnections,
): Promise<MigrationPhase> {
  await Promise.all(STORE_NAMES.map((store) => connections.ensure(store, 3)));
  return (await control.read()).phase;
}

interface BackfillFlags {
  from?: StoreName;
  concurrency?: number;
  rate?: number;
  restart?: boolean;
  dryRun?: boolean;
}

/** `migrate backfill`: copies every record from one store to the other, resumably. */
@SubCommand({ name: 'backfill', description: 'Copy every post and comment to the other store' })
export class MigrateBackfillCommand extends CommandRunner {
  constructor(
    private readonly connections: StoreConnections,
    private readonly control: PhaseControl,
    private readonly replicas: Replicas,
    private readonly backfill: BackfillService,
    private readonly trail: AuditTrail,
  ) {
    super();
  }

  async run(params: string[], flags: BackfillFlags): Promise<void> {
    rejectExtraArguments('migrate backfill', params);
    const summary = await audited(
      this.trail,
      { actor: cliActor(), action: 'migrate.backfill', details: backfillDetails },
      () => this.copy(flags),
    );
    process.stdout.write(`${formatBackfill(summary)}\n`);
  }

  private async copy(flags: BackfillFlags) {
    const phase = await phaseAndStores(this.control, this.connections);
    const { source, target } = from(this.replicas, flags.from ?? 'mongo');
    if (!flags.dryRun) {
      if (phasesWriting(target.name).includes(phase)) {
        await this.refuseWhileInstancesLag(phase, target.name);
      } else {
        process.stderr.write(
          `warning: phase ${phase} does not write to ${target.name}: records written after this backfill reads them will be missing there until a reconcile in a dual-write phase\n`,
        );
      }
    }
    return this.backfill.run(source, target, {
      concurrency: flags.concurrency ?? 64,
      rate: flags.rate,
      restart: flags.restart === true,
      dryRun: flags.dryRun === true,
      progress: process.stderr.isTTY ? new BarProgress() : new LogProgress(),
    });
  }

  /**
   * The phase writes to the target, but an instance that has not followed it yet still writes
   * to the source only: what it writes after the scan passed would be missing in the target.
   * Copy only once every running instance serves the phase.
   */
  private async refuseWhileInstancesLag(phase: MigrationPhase, target: StoreName): Promise<void> {
    const lagging = await this.control.lagging(phase);
    if (lagging.length > 0) {
      throw new Error(
        `${lagging.length} app instance(s) do not serve ${phase} yet, so a copy now could miss what they write only to ${otherStore(target)}: ${lagging.map(describeInstance).join('; ')}; wait for them (phase show)`,
      );
    }
  }

  @Option({ flags: '--from <store>', description: 'mongo (default) or cassandra (rollback)' })
  parseFrom(raw: string): StoreName {
    return storeOption('--from', raw);
  }

  @Option({ flags: '--concurrency <n>', description: 'records written at once (default 64)' })
  parseConcurrency(raw: string): number {
    return integerOption('--concurrency', raw, 1, 1024);
  }

  @Option({ flags: '--rate <n>', description: 'at most n records per second' })
  parseRate(raw: string): number {
    return integerOption('--rate', raw, 1, 1_000_000);
  }

  @Option({ flags: '--restart', description: 'forget the checkpoint and copy everything again' })
  parseRestart(): boolean {
    return true;
  }

  @Option({ flags: '--dry-run', description: 'only count what would be copied' })
  parseDryRun(): boolean {
    return true;
  }
}

/** `migrate verify`: compares both stores record by record; exit code 0 only when clean. */
@SubCommand({ name: 'verify', description: 'Compare every post and comment in both stores' })
export class MigrateVerifyCommand extends CommandRunner {
  constructor(
    private readonly connections: StoreConnections,
    private readonly control: PhaseControl,
    private readonly replicas: Replicas,
    private readonly verifier: VerifyService,
    private readonly trail: AuditTrail,
  ) {
    super();
  }

  async run(params: string[], flags: { json?: boolean; recheckDelay?: number }): Promise<void> {
    rejectExtraArguments('migrate verify', params);
    const { report } = await audited(
      this.trail,
      {
        actor: cliActor(),
        action: 'migrate.verify',
        details: (result) => verifyDetails(result.report),
      },
      async () => {
        const phase = await phaseAndStores(this.control, this.connections);
        const { source, target } = directionOf(this.replicas, phase);
        return this.verifier.verify(source, target, {
          recheckDelayMs: flags.recheckDelay ?? DEFAULT_RECHECK_MS,
        });
      },
    );
    process.stdout.write(
      `${flags.json ? JSON.stringify(report, null, 2) : formatVerify(report)}\n`,
    );
    if (!report.clean) process.exitCode = 1;
  }

  @Option({ flags: '--json', description: 'print the report as JSON' })
  parseJson(): boolean {
    return true;
  }

  @Option({
    flags: '--recheck-delay <ms>',
    description: `wait before looking at differences again (default ${DEFAULT_RECHECK_MS})`,
  })
  parseRecheckDelay(raw: string): number {
    return integerOption('--recheck-delay', raw, 0, 600_000);
  }
}

/** `migrate reconcile`: hints, verify, repair; exit code 0 only when the stores agree at the end. */
@SubCommand({ name: 'reconcile', description: 'Retry hints, verify, and repair the secondary' })
export class MigrateReconcileCommand extends CommandRunner {
  constructor(
    private readonly connections: StoreConnections,
    private readonly control: PhaseControl,
    private readonly reconcile: ReconcileService,
    private readonly trail: AuditTrail,
  ) {
    super();
  }

  async run(
    params: string[],
    flags: { dryRun?: boolean; json?: boolean; recheckDelay?: number },
  ): Promise<void> {
    rejectExtraArguments('migrate reconcile', params);
    const report = await audited(
      this.trail,
      {
        actor: cliActor(),
        action: 'migrate.reconcile',
        details: reconcileDetails,
        outcome: (result) => (result.error ? 'failed' : 'ok'),
      },
      async () =>
        this.reconcile.run(await phaseAndStores(this.control, this.connections), {
          dryRun: flags.dryRun === true,
          recheckDelayMs: flags.recheckDelay ?? DEFAULT_RECHECK_MS,
        }),
    );
    process.stdout.write(
      `${flags.json ? JSON.stringify(report, null, 2) : formatReconcile(report)}\n`,
    );
    const inSync = report.dry_run ? report.found === 0 : report.remaining.length === 0;
    if (!inSync) process.exitCode = 1;
  }

  @Option({ flags: '--dry-run', description: 'report what differs, repair nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print the report as JSON' })
  parseJson(): boolean {
    return true;
  }

  @Option({
    flags: '--recheck-delay <ms>',
    description: `wait before looking at differences again (default ${DEFAULT_RECHECK_MS})`,
  })
  parseRecheckDelay(raw: string): number {
    return integerOption('--recheck-delay', raw, 0, 600_000);
  }
}

@Command({
  name: 'migrate',
  description: 'Copy, compare and repair data between MongoDB and Cassandra',
  subCommands: [MigrateBackfillCommand, MigrateVerifyCommand, MigrateReconcileCommand],
})
export class MigrateCommand extends CommandRunner {
  async run(params: string[]): Promise<void> {
    throw new CliUsageError(
      params.length > 0
        ? `unknown migrate command '${params[0]}' (expected: backfill, verify, reconcile)`
        : 'missing migrate command (expected: backfill, verify, reconcile)',
    );
  }
}
