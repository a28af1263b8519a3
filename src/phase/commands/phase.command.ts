import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { pollUntil } from '../../common/poll';
import { AppConfig, parseInterval } from '../../config/app-config';
import {
  MIGRATION_PHASES,
  MigrationPhase,
  isMigrationPhase,
  storeNamesUsedBy,
} from '../../config/migration-phase';
import { SchemaService } from '../../schema/schema.service';
import { CliUsageError, rejectExtraArguments } from '../../cli/cli-usage';
import { PhaseControl, nextPhases } from '../../control/phase-control';
import { GateCheck, PhaseGates } from '../../migration/gates/phase-gates';
import {
  EffectivePhase,
  InstanceReport,
  PhaseRecord,
  describeInstance,
  follows,
  stepsOf,
} from '../../control/phase-record';

const DEFAULT_WAIT_MS = 60_000;
/** Steps of the phase history `phase show` lists (all of them are in --json). */
const SHOWN_STEPS = 5;
const WAIT_POLL_MS = 250;

function describePhase(effective: EffectivePhase): string {
  const record = effective.record;
  if (!record) return `${effective.phase} (from MIGRATION_PHASE: no phase has been set yet)`;
  const forced = record.forced ? ', WITH --force' : '';
  return `${record.phase} (set ${record.set_at} by ${record.set_by}, from ${record.previous}${forced})`;
}

function checkLine(check: GateCheck): string {
  return `    ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`;
}

/** `phase show`: the phase, who set it, the instances, and each next phase's gate. */
@SubCommand({ name: 'show', description: 'Show the phase, the app instances and the gates' })
export class PhaseShowCommand extends CommandRunner {
  constructor(
    private readonly control: PhaseControl,
    private readonly gates: PhaseGates,
  ) {
    super();
  }

  async run(params: string[], flags: { json?: boolean }): Promise<void> {
    rejectExtraArguments('phase show', params);
    const current = await this.control.read();
    const instances = await this.control.instances();
    const next = await Promise.all(
      nextPhases(current.phase).map(async (phase) => {
        const checks = await this.gates.check(current, phase, 'recorded');
        return { phase, open: checks.every((check) => check.ok), checks };
      }),
    );
    if (flags.json) {
      const json = { phase: current.phase, record: current.record ?? null, instances, next };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    const steps = stepsOf(current.record).slice(-SHOWN_STEPS);
    const lines = [
      `phase: ${describePhase(current)}`,
      ...(steps.length > 1
        ? [
            `last ${steps.length} steps:`,
            ...steps.map(
              (step) =>
                `  ${step.at} ${step.from} → ${step.to} by ${step.by}${step.forced ? ' WITH --force' : ''}`,
            ),
          ]
        : []),
      `app instances: ${instances.length}`,
      ...instances.map((report) => `  ${describeInstance(report)}`),
      'next:',
      ...next.flatMap(({ phase, open, checks }) => [
        `  ${phase}: ${checks.length === 0 ? 'no gate' : open ? 'gate open' : 'gate closed'}`,
        ...checks.map(checkLine),
      ]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  @Option({ flags: '--json', description: 'print as JSON' })
  parseJson(): boolean {
    return true;
  }
}

interface SetFlags {
  force?: boolean;
  wait?: number;
}

/** `phase set <phase> [--force] [--wait 60s]`: checks the gate, writes the record, waits. */
@SubCommand({
  name: 'set',
  arguments: '<phase>',
  description: `Move every app instance to another phase (${MIGRATION_PHASES.join(', ')})`,
})
export class PhaseSetCommand extends CommandRunner {
  constructor(
    private readonly config: AppConfig,
    private readonly control: PhaseControl,
    private readonly gates: PhaseGates,
    private readonly schema: SchemaService,
  ) {
    super();
  }

  async run(params: string[], flags: SetFlags): Promise<void> {
    const [target, ...extra] = params;
    rejectExtraArguments('phase set <phase>', extra);
    if (!isMigrationPhase(target)) {
      throw new CliUsageError(
        `phase set takes one of ${MIGRATION_PHASES.join(', ')} (got '${target ?? ''}')`,
      );
    }
    const wait = flags.wait ?? DEFAULT_WAIT_MS;
    const current = await this.control.read();
    if (target === current.phase) {
      process.stdout.write(`phase is already ${target}; nothing changed\n`);
      return;
    }
    if (!nextPhases(current.phase).includes(target)) {
      throw new CliUsageError(
        `phase ${current.phase} cannot go to ${target} in one step (next: ${nextPhases(current.phase).join(' or ')}); nothing changed`,
      );
    }
    if (flags.force) {
      process.stderr.write(
        `WARNING: --force: moving ${current.phase} → ${target} WITHOUT checking its gates; the phase record and every app instance's log say so\n`,
      );
    } else {
      process.stderr.write(`checking the gate ${current.phase} → ${target}...\n`);
      const checks = await this.gates.check(current, target, 'live', wait);
      if (checks.length > 0) process.stderr.write(`${checks.map(checkLine).join('\n')}\n`);
      const failed = checks.filter((check) => !check.ok);
      if (failed.length > 0) {
        throw new Error(
          `phase set ${target} refused (${failed.map((check) => `${check.name}: ${check.detail}`).join('; ')}); nothing changed`,
        );
      }
    }
    await this.schemaReady(target);
    const { record, skipped } = await this.control.write(target, current, flags.force === true);
    process.stdout.write(`phase set: ${current.phase} → ${target} (version ${record.version})\n`);
    for (const store of skipped) {
      process.stderr.write(`warning: the record could not be written to ${store}\n`);
    }
    await this.waitForInstances(record, wait);
  }

  /**
   * The stores the new phase uses must have their schema before the record goes there (and
   * before instances serve them): outside production, pending migrations are applied here, as
   * the app does at start; in production that is a deliberate `schema migrate`.
   */
  private async schemaReady(target: MigrationPhase): Promise<void> {
    const stores = storeNamesUsedBy(target);
    const statuses = await this.schema.status(stores);
    const pending = statuses.filter((status) => status.pending.length > 0);
    if (pending.length === 0) return;
    const summary = pending.map((status) => `${status.store}: ${status.pending.length}`).join(', ');
    if (this.config.nodeEnv === 'production') {
      throw new Error(
        `phase ${target} needs schema migrations that are pending (${summary}): run \`npm run cli -- schema migrate --store ${pending.map((status) => status.store).join(',')}\` first; nothing changed`,
      );
    }
    await this.schema.migrate({ stores: pending.map((status) => status.store) });
    process.stderr.write(`applied pending schema migrations (${summary}) for phase ${target}\n`);
  }

  /** Until every live instance serves the new phase with nothing left on the old one. */
  private async waitForInstances(record: PhaseRecord, waitMs: number): Promise<void> {
    const lagging = (report: InstanceReport) =>
      !follows(report, record.phase) || (report.record_version ?? 0) < record.version;
    const { value: reports, seconds: waited } = await pollUntil(
      () => this.control.instances(),
      (all) => !all.some(lagging),
      { waitMs, everyMs: WAIT_POLL_MS },
    );
    const behind = reports.filter(lagging);
    const count = reports.length;
    const seconds = waited.toFixed(1);
    if (behind.length === 0) {
      process.stdout.write(
        count === 0
          ? 'no app instance is running\n'
          : `all ${count} app instance(s) serve ${record.phase} (after ${seconds} s)\n`,
      );
      return;
    }
    if (waitMs === 0) {
      process.stdout.write(
        `not waiting: ${behind.length} of ${count} instance(s) still to follow\n`,
      );
      return;
    }
    throw new Error(
      `phase ${record.phase} is set, but after ${seconds} s ${behind.length} of ${count} instance(s) do not serve it: ${behind.map(describeInstance).join('; ')}`,
    );
  }

  @Option({ flags: '--force', description: 'skip the gate (logged, and recorded in the phase)' })
  parseForce(): boolean {
    return true;
  }

  @Option({
    flags: '--wait <duration>',
    description:
      'how long to wait for pending hints to drain before the switch, and for every app instance to follow after it (default 60s; 0: do not wait)',
  })
  parseWait(raw: string): number {
    const ms = parseInterval(raw);
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      throw new CliUsageError(`--wait must be 0 or a duration like 30s, 2m or 1h (got '${raw}')`);
    }
    return ms;
  }
}

/** `phase`: the parent of the phase commands. */
@Command({
  name: 'phase',
  description: 'Show or change the migration phase of every app instance',
  subCommands: [PhaseShowCommand, PhaseSetCommand],
})
export class PhaseCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
